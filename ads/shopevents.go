package ads

import (
	"context"
	"fmt"

	"github.com/shopmind/shopmind/shop"
)

// ShopEvent applies a stored shop event to the decision it carries
// (context.decision_id): ad_impression, ad_click and ad_conversion charge the
// campaign and update its statistics, once per decision, slot and type.
// The slot is the decision's ad of the event's context.campaign_id (and
// context.creative_id when given); a decision that served one ad needs
// neither. Events without a decision id, or of other types, are not ads'
// business: handled is false.
func (s *Service) ShopEvent(ctx context.Context, e *shop.Event) (out Outcome, handled bool, err error) {
	var t EventType
	switch e.Type {
	case shop.AdImpression:
		t = Impression
	case shop.AdClick:
		t = Click
	case shop.AdConversion:
		t = Conversion
	default:
		return Outcome{}, false, nil
	}
	if e.Context.DecisionID == "" {
		return Outcome{}, false, nil
	}
	rec, err := s.Record(ctx, e.Context.DecisionID)
	if err != nil {
		return Outcome{}, true, err
	}
	slot := -1
	for i, ad := range rec.Ads {
		if ad.Campaign == e.Context.CampaignID && (e.Context.CreativeID == "" || ad.Creative == e.Context.CreativeID) {
			slot = i
			break
		}
	}
	if slot < 0 && len(rec.Ads) == 1 && e.Context.CampaignID == "" {
		slot = 0
	}
	if slot < 0 {
		return Outcome{}, true, &InvalidError{Field: "context.campaign_id", Msg: fmt.Sprintf("decision %s served no ad of campaign %q (creative %q)", rec.ID, e.Context.CampaignID, e.Context.CreativeID)}
	}
	out, _, err = s.Event(ctx, Event{DecisionID: rec.ID, Slot: slot, Type: t})
	return out, true, err
}

// ApplyShopEvents applies ShopEvent to each event of a stored batch (an
// ingest hook). An event that cannot be applied is logged, not refused: it is
// stored already, and the decision may simply have expired.
func (s *Service) ApplyShopEvents(ctx context.Context, evs []shop.Event) {
	for i := range evs {
		if _, handled, err := s.ShopEvent(ctx, &evs[i]); handled && err != nil {
			s.log.Warn("ad event stored but not applied to its campaign", "event", evs[i].ID, "decision", evs[i].Context.DecisionID, "err", err)
		}
	}
}
