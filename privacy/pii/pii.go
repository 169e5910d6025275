// Package pii seals personal fields of user records: values are encrypted
// with AES-256-GCM under a key ring (one primary key that seals, older keys
// that still open), bound to the user and field they belong to, and fields
// that only need matching can carry a keyed hash (HMAC-SHA-256) instead of,
// or beside, the sealed value. Rotation re-seals under the new primary key.
// Pure: keys come from the caller (config or environment).
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/shopmind/shopmind/shop"
)

// prefix starts every sealed value: "pii:v1:<key id>:<base64url(nonce ‖ ciphertext)>".
const prefix = "pii:v1:"

// HashSuffix names the attribute that holds a field's keyed hash
// ("email" → "email_hash").
const HashSuffix = "_hash"

// DefaultFields are the attributes treated as personal unless configured.
var DefaultFields = []string{"email", "phone", "name", "address"}

// DefaultHashed are the personal fields that also get a keyed hash for
// matching (looking a customer up by e-mail without decrypting anything).
var DefaultHashed = []string{"email", "phone"}

// ErrUnknownKey means a value was sealed under a key the ring no longer has.
var ErrUnknownKey = errors.New("pii: sealed under a key that is not configured")

// Ring is a set of AES-256 keys by id; Primary seals, every key opens.
type Ring struct {
	primary string
	aeads   map[string]cipher.AEAD
	macKeys map[string][]byte
	order   []string
}

// ParseRing reads "id:base64key[,id:base64key...]": the first key is the
// primary. Keys are 32 bytes (standard or URL base64); ids are letters,
// digits, '-' and '_'.
func ParseRing(s string) (*Ring, error) {
	r := &Ring{aeads: map[string]cipher.AEAD{}, macKeys: map[string][]byte{}}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || strings.IndexFunc(id, badIDRune) >= 0 {
			return nil, fmt.Errorf("pii keys: %q: want id:base64key with an id of letters, digits, - or _", redactKey(part))
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("pii keys: key id %q appears twice", id)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("pii keys: key %q: %w", id, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("pii keys: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("pii keys: key %q: %w", id, err)
		}
		// The hash key is derived from the key, so that a hash never equals
		// anything computed with the raw encryption key.
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte("shopmind pii hash key"))
		r.aeads[id], r.macKeys[id] = aead, mac.Sum(nil)
		r.order = append(r.order, id)
		if r.primary == "" {
			r.primary = id
		}
	}
	if r.primary == "" {
		return nil, errors.New("pii keys: none given; want id:base64key (generate one with `shopmind keys new`)")
	}
	return r, nil
}

// NewKey returns a fresh random key in the form ParseRing reads.
func NewKey(id string) string {
	k := make([]byte, 32)
	rand.Read(k)
	return id + ":" + base64.StdEncoding.EncodeToString(k)
}

func badIDRune(r rune) bool {
	return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_'))
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != 32 {
				return nil, fmt.Errorf("is %d bytes; want 32 (AES-256)", len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("is not base64")
}

// redactKey keeps a key out of error messages.
func redactKey(part string) string {
	if id, _, ok := strings.Cut(part, ":"); ok {
		return id + ":…"
	}
	return "…"
}

// Primary is the id of the key that seals.
func (r *Ring) Primary() string { return r.primary }

// IDs lists the key ids, primary first.
func (r *Ring) IDs() []string { return slices.Clone(r.order) }

// IsSealed reports whether v has the form of a sealed value.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// KeyOf returns the id of the key a sealed value was sealed under.
func KeyOf(v string) (string, bool) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, ":")
	return id, ok
}

// aad binds a sealed value to its user and field: a value copied into
// another record or field does not open.
func aad(user, field string) []byte { return []byte(user + "\x00" + field) }

// Seal encrypts plain for the field of a user under the primary key.
func (r *Ring) Seal(user, field, plain string) string {
	aead := r.aeads[r.primary]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	rand.Read(nonce)
	ct := aead.Seal(nonce, nonce, []byte(plain), aad(user, field))
	return prefix + r.primary + ":" + base64.RawURLEncoding.EncodeToString(ct)
}

// Open decrypts a sealed value of the field of a user.
func (r *Ring) Open(user, field, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	if !ok {
		return "", errors.New("pii: not a sealed value")
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("pii: damaged sealed value")
	}
	aead := r.aeads[id]
	if aead == nil {
		return "", fmt.Errorf("%w (key %q): add it back to pii_keys to read this value", ErrUnknownKey, id)
	}
	ct, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil || len(ct) < aead.NonceSize()+aead.Overhead() {
		return "", errors.New("pii: damaged sealed value")
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], aad(user, field))
	if err != nil {
		return "", fmt.Errorf("pii: sealed value of %s does not open: it was altered or belongs to another record", field)
	}
	return string(plain), nil
}

// Hash is the keyed hash of a field's value under the primary key, after
// normalising it (case and spaces; for phones, only the digits), so that
// two spellings of one address match.
func (r *Ring) Hash(field, value string) string {
	mac := hmac.New(sha256.New, r.macKeys[r.primary])
	mac.Write([]byte(field + "\x00" + Normalize(field, value)))
	return "hmac:" + r.primary + ":" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// Normalize is the form of a value that Hash sees.
func Normalize(field, value string) string {
	value = strings.TrimSpace(value)
	if field == "phone" {
		var b strings.Builder
		for _, c := range value {
			if c >= '0' && c <= '9' {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	return strings.ToLower(strings.Join(strings.Fields(value), " "))
}

// Policy says which attributes are personal and which are also hashed.
type Policy struct {
	Ring   *Ring
	Fields []string // personal attributes (lower case)
	Hashed []string // of those, the ones that also get a keyed hash
}

// personal reports whether an attribute name is a personal field.
func (p *Policy) personal(name string) bool { return slices.Contains(p.Fields, strings.ToLower(name)) }

// SealUser seals u's personal attributes in place and sets the keyed hash
// of the hashed ones. Values already sealed under a configured key for this
// user and field are kept; non-string personal values are refused (a
// personal field must be text).
func (p *Policy) SealUser(u *shop.User) error {
	for name, v := range u.Attributes {
		if !p.personal(name) {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return &shop.FieldError{Field: "attributes." + name, Detail: "is a personal field and must be a string"}
		}
		field := strings.ToLower(name)
		if IsSealed(s) {
			if _, err := p.Ring.Open(u.ID, field, s); err == nil {
				continue
			}
			return &shop.FieldError{Field: "attributes." + name, Detail: "looks sealed but does not open under the configured keys for this user"}
		}
		u.Attributes[name] = p.Ring.Seal(u.ID, field, s)
		if slices.Contains(p.Hashed, field) {
			u.Attributes[field+HashSuffix] = p.Ring.Hash(field, s)
		}
	}
	return nil
}

// OpenUser opens u's sealed personal attributes in place.
func (p *Policy) OpenUser(u *shop.User) error {
	for name, v := range u.Attributes {
		s, ok := v.(string)
		if !ok || !IsSealed(s) {
			continue
		}
		plain, err := p.Ring.Open(u.ID, strings.ToLower(name), s)
		if err != nil {
			return fmt.Errorf("user %q, attribute %s: %w", u.ID, name, err)
		}
		u.Attributes[name] = plain
	}
	return nil
}

// Stale reports whether u holds a value sealed or hashed under a key other
// than the primary (Rotate's work list).
func (p *Policy) Stale(u *shop.User) bool {
	for name, v := range u.Attributes {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if id, ok := KeyOf(s); ok && id != p.Ring.primary {
			return true
		}
		if strings.HasSuffix(name, HashSuffix) && strings.HasPrefix(s, "hmac:") && !strings.HasPrefix(s, "hmac:"+p.Ring.primary+":") {
			return true
		}
	}
	return false
}

// Reseal opens u's sealed attributes and seals them again under the
// primary key, recomputing hashes.
func (p *Policy) Reseal(u *shop.User) error {
	if err := p.OpenUser(u); err != nil {
		return err
	}
	return p.SealUser(u)
}

// NewPolicy builds a policy from the configured key ring and field lists
// (lower case).
func NewPolicy(keys string, fields, hashed []string) (*Policy, error) {
	r, err := ParseRing(keys)
	if err != nil {
		return nil, err
	}
	return &Policy{Ring: r, Fields: fields, Hashed: hashed}, nil
}
