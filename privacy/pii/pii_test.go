package pii

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopmind/shopmind/shop"
)

func ring(t *testing.T, s string) *Ring {
	t.Helper()
	r, err := ParseRing(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSealOpen(t *testing.T) {
	r := ring(t, NewKey("k1"))
	s := r.Seal("u1", "email", "li.lei@example.com")
	if !IsSealed(s) || strings.Contains(s, "li.lei") {
		t.Fatalf("sealed = %q", s)
	}
	if id, _ := KeyOf(s); id != "k1" {
		t.Errorf("KeyOf = %q", id)
	}
	if s2 := r.Seal("u1", "email", "li.lei@example.com"); s2 == s {
		t.Error("two seals of one value are equal: the nonce is not random")
	}
	if got, err := r.Open("u1", "email", s); err != nil || got != "li.lei@example.com" {
		t.Errorf("Open = %q, %v", got, err)
	}
	// Bound to the user and the field.
	if _, err := r.Open("u2", "email", s); err == nil {
		t.Error("a value copied to another user opened")
	}
	if _, err := r.Open("u1", "phone", s); err == nil {
		t.Error("a value copied to another field opened")
	}
	// Tampering is detected.
	b := []byte(s)
	b[len(b)-3] ^= 1
	if _, err := r.Open("u1", "email", string(b)); err == nil {
		t.Error("an altered value opened")
	}
	other := ring(t, NewKey("k9"))
	if _, err := other.Open("u1", "email", s); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Open without its key: %v, want ErrUnknownKey", err)
	}
}

func TestParseRing(t *testing.T) {
	for _, bad := range []string{"", "k1", "k1:notbase64!!", "k1:c2hvcnQ=", "bad id:" + strings.Repeat("A", 44), NewKey("k1") + "," + NewKey("k1")} {
		if _, err := ParseRing(bad); err == nil {
			t.Errorf("ParseRing(%q) accepted", bad)
		} else if strings.Contains(err.Error(), strings.Repeat("A", 20)) {
			t.Errorf("error repeats the key: %v", err)
		}
	}
	r := ring(t, NewKey("new")+", "+NewKey("old"))
	if r.Primary() != "new" || len(r.IDs()) != 2 {
		t.Errorf("primary %q ids %v", r.Primary(), r.IDs())
	}
}

func TestHashMatchesSpellings(t *testing.T) {
	r := ring(t, NewKey("k1"))
	if r.Hash("email", " Li.Lei@Example.com ") != r.Hash("email", "li.lei@example.com") {
		t.Error("case and spaces change the e-mail hash")
	}
	if r.Hash("phone", "+86 138-0013-8000") != r.Hash("phone", "8613800138000") {
		t.Error("punctuation changes the phone hash")
	}
	if r.Hash("email", "a@example.com") == r.Hash("email", "b@example.com") {
		t.Error("different values hash alike")
	}
	if r.Hash("email", "x") == ring(t, NewKey("k1")).Hash("email", "x") {
		t.Error("two keys give the same hash")
	}
}

func TestPolicyRotation(t *testing.T) {
	oldKey, newKey := NewKey("k1"), NewKey("k2")
	p := &Policy{Ring: ring(t, oldKey), Fields: DefaultFields, Hashed: DefaultHashed}
	u := shop.User{ID: "u1", Attributes: map[string]any{"Email": "a@example.com", "phone": "13800138000", "age_band": "25-34"}}
	if err := p.SealUser(&u); err != nil {
		t.Fatal(err)
	}
	if !IsSealed(u.Attributes["Email"].(string)) || !IsSealed(u.Attributes["phone"].(string)) || u.Attributes["age_band"] != "25-34" {
		t.Fatalf("sealed user %+v", u.Attributes)
	}
	if u.Attributes["email_hash"] == nil || u.Attributes["phone_hash"] == nil || u.Attributes["age_band_hash"] != nil {
		t.Errorf("hashes %+v", u.Attributes)
	}
	// Sealing again keeps sealed values (a read-modify-write round trip).
	before := u.Attributes["Email"]
	if err := p.SealUser(&u); err != nil || u.Attributes["Email"] != before {
		t.Errorf("second seal changed the value (%v)", err)
	}
	// A value that looks sealed but is not ours is refused.
	bad := shop.User{ID: "u2", Attributes: map[string]any{"email": before}}
	var fe *shop.FieldError
	if err := p.SealUser(&bad); !errors.As(err, &fe) || fe.Field != "attributes.email" {
		t.Errorf("foreign sealed value: %v", err)
	}
	if err := p.SealUser(&shop.User{ID: "u3", Attributes: map[string]any{"phone": 138}}); !errors.As(err, &fe) {
		t.Errorf("numeric phone: %v", err)
	}

	// Rotate: the new key first, the old one kept to open.
	p2 := &Policy{Ring: ring(t, newKey+","+oldKey), Fields: DefaultFields, Hashed: DefaultHashed}
	if !p2.Stale(&u) {
		t.Fatal("a user sealed under the old key is not stale")
	}
	if err := p2.Reseal(&u); err != nil {
		t.Fatal(err)
	}
	if p2.Stale(&u) {
		t.Errorf("still stale after Reseal: %+v", u.Attributes)
	}
	// The old key can now go.
	p3 := &Policy{Ring: ring(t, newKey), Fields: DefaultFields, Hashed: DefaultHashed}
	if err := p3.OpenUser(&u); err != nil || u.Attributes["Email"] != "a@example.com" || u.Attributes["phone"] != "13800138000" {
		t.Errorf("after rotation, the new key alone opens: %+v, %v", u.Attributes, err)
	}
}
