package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopmind/shopmind/audience"
	"github.com/shopmind/shopmind/internal/svgplot"
	"github.com/shopmind/shopmind/store"
)

// segmentRoutes adds the segments page: the list with exports, the
// new-segment form with its live preview, clusters and lookalikes.
func (h *Handler) segmentRoutes() {
	h.mux.HandleFunc("GET /ui/segments", h.signedIn(h.segments))
	h.mux.HandleFunc("POST /ui/segments", h.signedIn(h.createSegment))
	h.mux.HandleFunc("GET /ui/segments/preview", h.signedIn(h.segmentPreview))
	h.mux.HandleFunc("GET /ui/segments/{id}/export", h.signedIn(h.segmentExport))
	h.mux.HandleFunc("GET /ui/segments/clusters", h.signedIn(h.segmentClusters))
	h.mux.HandleFunc("POST /ui/segments/clusters", h.signedIn(h.saveCluster))
	h.mux.HandleFunc("GET /ui/segments/lookalike", h.signedIn(h.segmentLookalike))
}

// segmentsData is the segments page.
type segmentsData struct {
	Segments []segmentRow
	Disabled bool
	MinGroup int // k-anonymity: exports of smaller segments are refused
}

type segmentRow struct {
	audience.Definition
	Size    int
	SizeErr string
	// Exportable: at least MinGroup members, so the export link works.
	Exportable bool
}

func (h *Handler) segments(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "segments.title")
	if id := r.URL.Query().Get("saved"); id != "" && h.d.Audience != nil {
		if n, err := h.d.Audience.Size(r.Context(), id); err == nil {
			p.Notice = fmt.Sprintf(p.T("segments.saved"), id, n)
		}
	}
	h.renderSegments(w, r, s, p, http.StatusOK)
}

// renderSegments lists the segments with their sizes under p.
func (h *Handler) renderSegments(w http.ResponseWriter, r *http.Request, s *session, p *page, status int) {
	d := segmentsData{Disabled: h.d.Audience == nil, MinGroup: h.d.Config.MinGroupSize}
	p.Data = &d
	if h.d.Audience != nil {
		defs, _, err := h.d.Audience.List(r.Context(), "", store.MaxLimit)
		if err != nil {
			h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
			return
		}
		for _, def := range defs {
			row := segmentRow{Definition: def}
			if row.Size, err = h.d.Audience.Size(r.Context(), def.ID); err != nil {
				row.SizeErr = err.Error()
			}
			row.Exportable = row.SizeErr == "" && row.Size >= d.MinGroup
			d.Segments = append(d.Segments, row)
		}
	}
	h.render(w, status, "segments", p)
}

// segmentInvalidField turns an *audience.InvalidError into the form field it is
// about and its message (with the position for an expression).
func segmentInvalidField(inv *audience.InvalidError) (field, msg string) {
	field = inv.Field
	if field != "name" && field != "description" {
		field = "expression"
	}
	msg = inv.Msg
	if inv.Pos != nil {
		msg = inv.Pos.Error()
	}
	return field, msg
}

func (h *Handler) createSegment(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Audience != nil) {
		return
	}
	in := audience.Input{
		Name:        strings.TrimSpace(r.PostForm.Get("name")),
		Expression:  strings.TrimSpace(r.PostForm.Get("expression")),
		Description: strings.TrimSpace(r.PostForm.Get("description")),
	}
	def, err := h.d.Audience.Create(r.Context(), in)
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		p := h.newPage(w, r, s, "segments.title")
		field, msg := segmentInvalidField(inv)
		p.Errors = map[string]string{field: msg}
		p.Form = map[string]string{"name": in.Name, "expression": in.Expression, "description": in.Description}
		h.renderSegments(w, r, s, p, http.StatusBadRequest)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/segments?saved="+url.QueryEscape(def.ID), http.StatusSeeOther)
}

// previewAnswer is GET /ui/segments/preview's JSON: the live check of an
// expression as it is typed.
type previewAnswer struct {
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Position *exprPosition `json:"position,omitempty"` // where the error is, from 1
	Size     int           `json:"size"`
	Sample   []string      `json:"sample"` // a few members, in id order
	// Canonical is the expression as the engine reads it.
	Canonical string `json:"canonical,omitempty"`
	// Message says all of it in the page's language, for the script to show.
	Message string `json:"message"`
}

type exprPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// segmentPreviewSample is how many member ids a preview lists.
const segmentPreviewSample = 5

// segmentPreview validates an expression and counts its members now,
// without saving anything (read-only keys may use it too).
func (h *Handler) segmentPreview(w http.ResponseWriter, r *http.Request, s *session) {
	lang := language(w, r)
	out := previewAnswer{Sample: []string{}}
	status := http.StatusOK
	// Not trimmed: error positions count from the field's first character.
	expr := r.URL.Query().Get("expression")
	switch {
	case h.d.Audience == nil || h.d.Profiles == nil:
		status, out.Error = http.StatusServiceUnavailable, translate(lang, "error.disabled")
		out.Message = out.Error
	case strings.TrimSpace(expr) == "":
		out.Error = translate(lang, "segments.exprmissing")
		out.Message = out.Error
	case len(expr) > 4096:
		out.Error = translate(lang, "segments.exprlong")
		out.Message = out.Error
	default:
		e, err := audience.Validate(expr)
		var inv *audience.InvalidError
		switch {
		case errors.As(err, &inv):
			out.Error = inv.Msg
			if inv.Pos != nil {
				out.Error = inv.Pos.Msg
				out.Position = &exprPosition{Line: inv.Pos.Line, Column: inv.Pos.Col}
				out.Message = fmt.Sprintf(translate(lang, "segments.errat"), inv.Pos.Line, inv.Pos.Col, inv.Pos.Msg)
			} else {
				out.Message = inv.Msg
			}
		case err != nil:
			status, out.Error = http.StatusInternalServerError, err.Error()
			out.Message = out.Error
		default:
			n, sample, err := h.d.Audience.Evaluate(r.Context(), e, segmentPreviewSample)
			if err != nil {
				status, out.Error = http.StatusServiceUnavailable, err.Error()
				out.Message = translate(lang, "error.store") + " " + err.Error()
				break
			}
			out.OK, out.Size, out.Sample, out.Canonical = true, n, sample, e.String()
			out.Message = fmt.Sprintf(translate(lang, "segments.live"), n)
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// segmentExport downloads the segment's members as CSV, refused (409) when
// the segment is smaller than min_group_size, as GET
// /v1/segments/{id}/export is.
func (h *Handler) segmentExport(w http.ResponseWriter, r *http.Request, s *session) {
	if h.d.Audience == nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.disabled", "")
		return
	}
	id := r.PathValue("id")
	ctx := r.Context()
	if _, err := h.d.Audience.Get(ctx, id); err != nil {
		h.segmentError(w, r, s, err)
		return
	}
	out := &exportWriter{w: w, set: func(hd http.Header) {
		hd.Set("Content-Type", "text/csv; charset=utf-8")
		hd.Set("Content-Disposition", `attachment; filename="`+id+`.csv"`)
	}}
	if _, err := h.d.Audience.Export(ctx, id, "csv", h.d.Config.MinGroupSize, out); err != nil {
		if !out.started {
			h.segmentError(w, r, s, err)
			return
		}
		h.log.Warn("segment export failed mid-stream", "segment", id, "err", err)
	}
}

// segmentError renders an audience error as the error page.
func (h *Handler) segmentError(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var inv *audience.InvalidError
	switch {
	case errors.Is(err, audience.ErrNotFound), errors.Is(err, store.ErrNotFound):
		h.fail(w, r, s, http.StatusNotFound, "segments.notfound", "")
	case errors.As(err, new(*audience.GroupTooSmallError)):
		h.fail(w, r, s, http.StatusConflict, "segments.toosmall", err.Error())
	case errors.As(err, &inv):
		h.fail(w, r, s, http.StatusBadRequest, "segments.invalid", inv.Error())
	default:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
	}
}

// exportWriter sets a response's headers just before its first byte, so a
// refusal before any row can still be an error page.
type exportWriter struct {
	w       http.ResponseWriter
	set     func(http.Header)
	started bool
}

func (l *exportWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set(l.w.Header())
	}
	return l.w.Write(p)
}

// segmentIntField reads a whole number from v, def when empty; ok false when it is
// not a number in [lo, hi].
func segmentIntField(v string, def, lo, hi int) (int, bool) {
	if strings.TrimSpace(v) == "" {
		return def, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// clustersData is the clusters page.
type clustersData struct {
	Disabled bool
	K, Seed  string // the form's values
	Ran      bool
	Result   audience.Result
	Clusters []clusterRow
	Chart    template.HTML // cluster sizes as bars (the table has the numbers)
}

type clusterRow struct {
	audience.ClusterSummary
	Number int    // 1-based, as people count
	Traits string // the strongest traits with their values, in words
}

// Cluster form limits: package audience allows 2 to 50 clusters.
const (
	defaultClusterK    = 5
	defaultClusterSeed = 1
)

// segmentClusters runs k-means over every profile (package audience) when
// k is given and shows each cluster's size and description, with a form to
// save it as a segment.
func (h *Handler) segmentClusters(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "segments.clusters")
	q := r.URL.Query()
	d := clustersData{Disabled: h.d.Audience == nil, K: q.Get("k"), Seed: strings.TrimSpace(q.Get("seed"))}
	p.Data = &d
	if d.Seed == "" {
		// Shown, and sent with each save form, so a saved cluster is the
		// one on the page.
		d.Seed = strconv.Itoa(defaultClusterSeed)
	}
	if d.Disabled || !q.Has("k") {
		if d.K == "" {
			d.K = strconv.Itoa(defaultClusterK)
		}
		h.render(w, http.StatusOK, "segments_clusters", p)
		return
	}
	p.Form = map[string]string{"k": d.K, "seed": d.Seed}
	res, status, ok := h.cluster(w, r, s, p, d.K, d.Seed)
	if !ok {
		h.render(w, status, "segments_clusters", p)
		return
	}
	d.Ran, d.Result = true, res
	var cats []string
	var sizes []float64
	for i, c := range res.Clusters {
		cats, sizes = append(cats, strconv.Itoa(i+1)), append(sizes, float64(c.Size))
	}
	d.Chart = template.HTML(svgplot.Bars(p.T("segments.chart"), p.T("segments.cluster"), p.T("segments.size"), cats,
		[]svgplot.Series{{Name: p.T("segments.size"), Y: sizes}}))
	for i, c := range res.Clusters {
		row := clusterRow{ClusterSummary: c, Number: i + 1}
		var parts []string
		for j, t := range c.Traits {
			if j == 3 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s %.2f (z %+.1f)", t.Feature, t.Value, t.Z))
		}
		row.Traits = strings.Join(parts, "; ")
		d.Clusters = append(d.Clusters, row)
	}
	h.render(w, http.StatusOK, "segments_clusters", p)
}

// cluster reads k and seed and clusters; on a problem it sets p.Errors
// (or fails the request) and returns ok false with the status to render.
func (h *Handler) cluster(w http.ResponseWriter, r *http.Request, s *session, p *page, kText, seedText string) (audience.Result, int, bool) {
	k, okK := segmentIntField(kText, defaultClusterK, 2, 50)
	seed, errSeed := strconv.ParseUint(strings.TrimSpace(seedText), 10, 64)
	if strings.TrimSpace(seedText) == "" {
		seed, errSeed = defaultClusterSeed, nil
	}
	p.Errors = map[string]string{}
	if !okK {
		p.Errors["k"] = p.T("segments.badk")
	}
	if errSeed != nil {
		p.Errors["seed"] = p.T("segments.badseed")
	}
	if len(p.Errors) > 0 {
		return audience.Result{}, http.StatusBadRequest, false
	}
	res, err := h.d.Audience.Cluster(r.Context(), k, seed)
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		p.Errors["k"] = inv.Msg
		return res, http.StatusBadRequest, false
	case err != nil:
		p.Errors["k"] = err.Error()
		return res, http.StatusServiceUnavailable, false
	}
	return res, http.StatusOK, true
}

// saveCluster recomputes the clustering (the same profiles, k and seed
// give the same clusters) and saves one cluster as a segment.
func (h *Handler) saveCluster(w http.ResponseWriter, r *http.Request, s *session) {
	if !h.mayChange(w, r, s, h.d.Audience != nil) {
		return
	}
	f := r.PostForm
	p := h.newPage(w, r, s, "segments.clusters")
	p.Data = &clustersData{K: f.Get("k"), Seed: f.Get("seed")}
	p.Form = map[string]string{"k": f.Get("k"), "seed": f.Get("seed")}
	res, status, ok := h.cluster(w, r, s, p, f.Get("k"), f.Get("seed"))
	if !ok {
		h.render(w, status, "segments_clusters", p)
		return
	}
	idx, ok := segmentIntField(f.Get("index"), -1, 1, len(res.Clusters))
	if !ok || idx < 1 {
		h.fail(w, r, s, http.StatusBadRequest, "segments.badindex", f.Get("index"))
		return
	}
	def, err := h.d.Audience.SaveCluster(r.Context(), res, idx-1, strings.TrimSpace(f.Get("name")))
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		h.fail(w, r, s, http.StatusBadRequest, "segments.invalid", inv.Error())
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	http.Redirect(w, r, "/ui/segments?saved="+url.QueryEscape(def.ID), http.StatusSeeOther)
}

// lookalikeData is the lookalike page.
type lookalikeData struct {
	Disabled bool
	Segments []audience.Definition // seeds to pick from
	Seed     string
	N        string
	Ran      bool
	SeedName string
	Users    []lookalikeRow
}

type lookalikeRow struct {
	Rank int // 1 for the most similar
	audience.Scored
}

// segmentLookalike lists the users outside a seed segment most like its
// members (package audience's Lookalike, as POST
// /v1/segments/{id}/lookalike).
func (h *Handler) segmentLookalike(w http.ResponseWriter, r *http.Request, s *session) {
	p := h.newPage(w, r, s, "segments.lookalike")
	q := r.URL.Query()
	d := lookalikeData{Disabled: h.d.Audience == nil, Seed: q.Get("segment"), N: q.Get("n")}
	p.Data = &d
	if d.N == "" {
		d.N = "100"
	}
	if d.Disabled {
		h.render(w, http.StatusOK, "segments_lookalike", p)
		return
	}
	ctx := r.Context()
	defs, _, err := h.d.Audience.List(ctx, "", store.MaxLimit)
	if err != nil {
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Segments = defs
	if d.Seed == "" {
		h.render(w, http.StatusOK, "segments_lookalike", p)
		return
	}
	p.Errors = map[string]string{}
	n, ok := segmentIntField(d.N, audience.DefaultLookalikes, 1, audience.MaxLookalikes)
	if !ok {
		p.Errors["n"] = fmt.Sprintf(p.T("segments.badn"), audience.MaxLookalikes)
		h.render(w, http.StatusBadRequest, "segments_lookalike", p)
		return
	}
	def, err := h.d.Audience.Get(ctx, d.Seed)
	if err != nil {
		p.Errors["segment"] = p.T("segments.notfound")
		h.render(w, http.StatusBadRequest, "segments_lookalike", p)
		return
	}
	d.SeedName = def.Name
	users, err := h.d.Audience.Lookalike(ctx, d.Seed, n)
	var inv *audience.InvalidError
	switch {
	case errors.As(err, &inv):
		p.Errors["segment"] = inv.Msg
		h.render(w, http.StatusBadRequest, "segments_lookalike", p)
		return
	case err != nil:
		h.fail(w, r, s, http.StatusServiceUnavailable, "error.store", err.Error())
		return
	}
	d.Ran = true
	for i, u := range users {
		d.Users = append(d.Users, lookalikeRow{Rank: i + 1, Scored: u})
	}
	h.render(w, http.StatusOK, "segments_lookalike", p)
}
