package sqlite

import "sync"

// knownUsers remembers the uid of users that exist in the database, so that
// AppendEvents need not ask SQLite for the same active users again and again.
// Users are never deleted and a uid never changes, so a remembered uid stays
// right. The cache is bounded: when full it starts over, which costs only a
// few lookups.
type knownUsers struct {
	mu   sync.Mutex
	uids map[string]int64
	max  int
}

func newKnownUsers(max int) *knownUsers {
	return &knownUsers{uids: make(map[string]int64), max: max}
}

// resolve copies the uids it knows for users into uids and returns the users
// it does not know.
func (k *knownUsers) resolve(users []string, uids map[string]int64) (missing []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, u := range users {
		if uid, ok := k.uids[u]; ok {
			uids[u] = uid
		} else {
			missing = append(missing, u)
		}
	}
	return missing
}

// add remembers uids read in a transaction that committed.
func (k *knownUsers) add(users []string, uids map[string]int64) {
	if len(users) == 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.uids)+len(users) > k.max {
		clear(k.uids)
	}
	for _, u := range users {
		if uid, ok := uids[u]; ok {
			k.uids[u] = uid
		}
	}
}
