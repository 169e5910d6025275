package sqlite

import "sync"

// knownUsers remembers the uid of users that exist in the database, so that
// AppendEvents need not ask SQLite for the same active users again and again.
// The cache is bounded: when full it starts over, which costs only a few
// lookups.
//
// DeleteUser removes a user's row, so a remembered uid can go stale (and
// SQLite may hand the same uid to a user created later). The generation
// guards against that: DeleteUser calls forget inside its write transaction,
// which bumps it; AppendEvents compares the generation its batch was resolved
// at with the one current inside its own write transaction (writes are
// serialised on one connection) and looks every user up again when they
// differ, and add drops uids read at an older generation.
type knownUsers struct {
	mu   sync.Mutex
	uids map[string]int64
	gen  uint64 // bumped by every forget
	max  int
}

func newKnownUsers(max int) *knownUsers {
	return &knownUsers{uids: make(map[string]int64), max: max}
}

// resolve copies the uids it knows for users into uids and returns the users
// it does not know, and the generation the answer belongs to.
func (k *knownUsers) resolve(users []string, uids map[string]int64) (missing []string, gen uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, u := range users {
		if uid, ok := k.uids[u]; ok {
			uids[u] = uid
		} else {
			missing = append(missing, u)
		}
	}
	return missing, k.gen
}

// generation returns the current generation.
func (k *knownUsers) generation() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gen
}

// add remembers uids read in a transaction that committed at generation
// gen; it ignores them when a user has been forgotten since.
func (k *knownUsers) add(gen uint64, users []string, uids map[string]int64) {
	if len(users) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if gen != k.gen {
		return
	}
	if len(k.uids)+len(users) > k.max {
		clear(k.uids)
	}
	for _, u := range users {
		if uid, ok := uids[u]; ok {
			k.uids[u] = uid
		}
	}
}

// forget drops a user whose row is being deleted and starts a new
// generation.
func (k *knownUsers) forget(user string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.uids, user)
	k.gen++
}
