package ui

import (
	"net/http"
	"slices"

	"github.com/shopmind/shopmind/profile"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// overviewRoutes adds the overview page.
func (h *Handler) overviewRoutes() {
	h.mux.HandleFunc("GET /ui/{$}", h.signedIn(h.overview))
}

// overviewData is the overview page.
type overviewData struct {
	Stats              store.Stats
	Profiles           int
	Active7, Active30  int
	ByType             []typeCount
	Model              recserve.Model
	HasModel, HasRecs  bool
	HasProfilesService bool
}

type typeCount struct {
	Type  shop.EventType
	Count int64
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, s *session) {
	st, err := h.d.Store.Stats(r.Context())
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d := overviewData{Stats: st}
	if pr := h.d.Profiles; pr != nil {
		d.HasProfilesService = true
		d.Profiles = pr.Users()
		var counts [shop.NumEventTypes]int64
		now := h.now().Unix()
		pr.Each(func(p *profile.Profile, _ *profile.Context) bool {
			for i, n := range p.Counts {
				counts[i] += n
			}
			if p.Latest >= now-7*86400 {
				d.Active7++
			}
			if p.Latest >= now-30*86400 {
				d.Active30++
			}
			return true
		})
		for i, t := range shop.EventTypes {
			if counts[i] > 0 {
				d.ByType = append(d.ByType, typeCount{t, counts[i]})
			}
		}
		slices.SortStableFunc(d.ByType, func(a, b typeCount) int { return int(b.Count - a.Count) })
	}
	if rs := h.d.Recommendations; rs != nil {
		d.HasRecs = true
		d.Model, d.HasModel = rs.Current()
	}
	p := h.newPage(w, r, s, "overview.title")
	p.Data = d
	h.render(w, http.StatusOK, "overview", p)
}
