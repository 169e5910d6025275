package assist

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/shop"
	"github.com/shopmind/shopmind/store"
)

// Tool names.
const (
	ToolOrderStatus     = "order_status"
	ToolOrderHistory    = "order_history"
	ToolProductSearch   = "product_search"
	ToolSimilarProducts = "similar_products"
	ToolPolicyLookup    = "policy_lookup"
)

// ToolResult is one tool call the answer used. Args never hold a user id:
// every tool runs for the authenticated customer only.
type ToolResult struct {
	Name   string            `json:"name"`
	Args   map[string]string `json:"args,omitempty"`
	Result any               `json:"result"`
	// Refused says why a proposed call was not run as proposed (e.g. it
	// named another customer); empty when it ran.
	Refused string `json:"refused,omitempty"`
}

// Order is one of the customer's orders, derived from their purchase
// events grouped by order id (a purchase without one is its own order).
type Order struct {
	ID     string      `json:"id"`
	Status string      `json:"status"` // placed: the purchase is recorded; the shop sends no shipping events
	Placed time.Time   `json:"placed"`
	Items  []OrderLine `json:"items"`
	Total  float64     `json:"total"`
	Cur    string      `json:"currency,omitempty"`
}

// OrderLine is one item of an order.
type OrderLine struct {
	ItemID   string  `json:"item_id"`
	Title    string  `json:"title,omitempty"`
	Quantity float64 `json:"quantity"`
	Revenue  float64 `json:"revenue"`
}

// maxOrderEvents bounds how many purchase events one answer reads.
const maxOrderEvents = 5000

// orders reads userID's purchases into orders, newest first. userID is
// always the authenticated caller: no code path passes another.
func (s *Service) orders(ctx context.Context, userID string) ([]Order, error) {
	byID := map[string]*Order{}
	cursor := ""
	n := 0
	for n < maxOrderEvents {
		evs, next, err := s.st.UserEvents(ctx, store.EventQuery{UserID: userID, Type: shop.Purchase, Cursor: cursor, Limit: store.MaxLimit})
		if err != nil {
			return nil, fmt.Errorf("assist: reading the customer's purchases: %w", err)
		}
		for _, e := range evs {
			if e.UserID != userID { // defence in depth: never show another customer's event
				continue
			}
			id := e.OrderID
			if id == "" {
				id = e.ID
			}
			o := byID[id]
			if o == nil {
				o = &Order{ID: id, Status: "placed", Placed: e.Timestamp, Cur: e.Currency}
				byID[id] = o
			}
			if e.Timestamp.Before(o.Placed) {
				o.Placed = e.Timestamp
			}
			q := e.Quantity
			if q == 0 {
				q = 1
			}
			o.Items = append(o.Items, OrderLine{ItemID: e.ItemID, Title: s.itemTitle(ctx, e.ItemID), Quantity: q, Revenue: e.Revenue})
			o.Total += e.Revenue
		}
		n += len(evs)
		if next == "" {
			break
		}
		cursor = next
	}
	out := make([]Order, 0, len(byID))
	for _, o := range byID {
		o.Total = float64(int64(o.Total*100+0.5)) / 100
		out = append(out, *o)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Placed.Equal(out[j].Placed) {
			return out[i].Placed.After(out[j].Placed)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s *Service) itemTitle(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	if s.cat != nil {
		if it := s.cat.Peek(id); it != nil {
			return it.Title
		}
	}
	if d, ok := s.searcher.BM25.Get(ItemDocID(id)); ok {
		return d.Title
	}
	return ""
}

// orderRef finds order-id-like tokens in text: anything with "order" or
// "ord" in it, or a run of letters, digits and dashes holding 4+ digits.
var orderRef = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9_-]*\d{1,}[a-z0-9_-]*`)

func mentionedOrderIDs(text string) []string {
	var out []string
	for _, m := range orderRef.FindAllString(text, -1) {
		lm := strings.ToLower(m)
		digits := 0
		for _, r := range m {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if strings.Contains(lm, "order") || strings.HasPrefix(lm, "ord") || digits >= 4 {
			if !strings.HasPrefix(lm, "syn-item") && !strings.HasPrefix(lm, "item") {
				out = append(out, m)
			}
		}
	}
	return out
}

// orderStatus looks up one order on the caller's account only.
func (s *Service) orderStatus(ctx context.Context, userID, orderID string) (ToolResult, *Order, error) {
	tr := ToolResult{Name: ToolOrderStatus, Args: map[string]string{"order_id": orderID}}
	orders, err := s.orders(ctx, userID)
	if err != nil {
		return tr, nil, err
	}
	for i := range orders {
		if strings.EqualFold(orders[i].ID, orderID) {
			tr.Result = orders[i]
			return tr, &orders[i], nil
		}
	}
	tr.Result = map[string]string{"found": "false"}
	return tr, nil, nil
}

// orderHistory is the caller's most recent orders (at most 5).
func (s *Service) orderHistory(ctx context.Context, userID string) (ToolResult, []Order, error) {
	tr := ToolResult{Name: ToolOrderHistory, Args: map[string]string{}}
	orders, err := s.orders(ctx, userID)
	if err != nil {
		return tr, nil, err
	}
	if len(orders) > 5 {
		orders = orders[:5]
	}
	tr.Result = orders
	return tr, orders, nil
}

// ProductHit is one product_search or similar_products answer.
type ProductHit struct {
	ItemID   string `json:"item_id"`
	Title    string `json:"title"`
	Price    string `json:"price,omitempty"`
	Currency string `json:"currency,omitempty"`
	InStock  bool   `json:"in_stock"`
	DocID    string `json:"-"`
}

func hitProduct(d retrieval.Doc) ProductHit {
	return ProductHit{ItemID: d.Meta["item_id"], Title: d.Title, Price: d.Meta["price"], Currency: d.Meta["currency"], InStock: d.Meta["stock"] != "out_of_stock", DocID: d.ID}
}

// productSearch retrieves visible items; out-of-stock ones are dropped
// (hidden ones are never indexed).
func (s *Service) productSearch(ctx context.Context, query string, k int) (ToolResult, []retrieval.Hit, error) {
	tr := ToolResult{Name: ToolProductSearch, Args: map[string]string{"query": query}}
	hits, err := s.search(ctx, query, []string{KindItem}, k*3)
	if err != nil {
		return tr, nil, err
	}
	var keep []retrieval.Hit
	var res []ProductHit
	for _, h := range hits {
		p := hitProduct(h.Doc)
		if !p.InStock || s.hiddenNow(p.ItemID) {
			continue
		}
		keep = append(keep, h)
		res = append(res, p)
		if len(keep) == k {
			break
		}
	}
	tr.Result = res
	return tr, keep, nil
}

// hiddenNow checks the live catalogue view for an item hidden since it was
// indexed.
func (s *Service) hiddenNow(id string) bool {
	if s.cat == nil {
		return false
	}
	it := s.cat.Peek(id)
	return it != nil && (it.Hidden || !it.InStock())
}

// similarProducts asks the recommender, else falls back to items of the
// same category (then brand) from the index.
func (s *Service) similarProducts(ctx context.Context, itemID string, k int) (ToolResult, []ProductHit, error) {
	tr := ToolResult{Name: ToolSimilarProducts, Args: map[string]string{"item_id": itemID}}
	var out []ProductHit
	add := func(id string) {
		if id == itemID || slices.ContainsFunc(out, func(p ProductHit) bool { return p.ItemID == id }) || len(out) >= k {
			return
		}
		d, ok := s.searcher.BM25.Get(ItemDocID(id))
		if !ok || s.hiddenNow(id) {
			return
		}
		p := hitProduct(d)
		if p.InStock {
			out = append(out, p)
		}
	}
	if s.cfg.Similar != nil {
		ids, err := s.cfg.Similar(ctx, itemID, k*2)
		if err == nil {
			for _, id := range ids {
				add(id)
			}
		}
	}
	if len(out) < k {
		if base, ok := s.searcher.BM25.Get(ItemDocID(itemID)); ok {
			hits, err := s.search(ctx, base.Meta["category"]+" "+base.Title, []string{KindItem}, 4*k)
			if err != nil {
				return tr, nil, err
			}
			for _, h := range hits {
				if h.Doc.Meta["category"] == base.Meta["category"] {
					add(h.Doc.Meta["item_id"])
				}
			}
		}
	}
	tr.Result = out
	return tr, out, nil
}

// search runs the searcher over kinds ("" kinds for all).
func (s *Service) search(ctx context.Context, text string, kinds []string, k int) ([]retrieval.Hit, error) {
	hits, err := s.searcher.Search(ctx, retrieval.Query{Text: text, Kinds: kinds, K: k})
	if err != nil {
		return nil, fmt.Errorf("assist: searching the knowledge: %w", err)
	}
	return hits, nil
}
