package ads

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// bidOf builds the auction entry of a campaign.
func bidOf(t BidType, bid, pctr, pcvr float64) Bid {
	f := factor(t, pctr, pcvr)
	return Bid{Value: bid * f, Factor: f, Bid: bid}
}

func TestAuctionGSP(t *testing.T) {
	bids := []Bid{
		bidOf(CPC, 1.0, 0.02, 0),   // value 0.020
		bidOf(CPM, 30, 0, 0),       // value 0.030
		bidOf(CPA, 20, 0.05, 0.02), // value 0.020·… = 0.020
		bidOf(CPC, 2.0, 0.005, 0),  // value 0.010
	}
	bids[0].Tie, bids[2].Tie = 0.9, 0.1 // the CPC bid wins the tie
	wins := Auction(bids, 3, 0, nil, nil)
	if len(wins) != 3 {
		t.Fatalf("%d winners, want 3", len(wins))
	}
	// Ranked by expected value per impression: CPM, CPC (tie won), CPA.
	wantIdx := []int{1, 0, 2}
	// Prices in the bid's own unit: the CPM winner pays the next value
	// (0.020 per impression) as a price per thousand: 20. The CPC winner
	// pays 0.020/0.02 = 1.0 per click (a tie costs the full bid). The CPA
	// winner pays the fourth's value 0.010 divided by pCTR·pCVR = 0.001:
	// 10 per conversion.
	wantPrice := []float64{20, 1.0, 10}
	for k, w := range wins {
		if w.Index != wantIdx[k] || !near(w.Price, wantPrice[k]) {
			t.Errorf("slot %d: bid %d at %g, want bid %d at %g", k, w.Index, w.Price, wantIdx[k], wantPrice[k])
		}
		if b := bids[w.Index]; w.Price > b.Bid+1e-12 {
			t.Errorf("slot %d pays %g above its bid %g", k, w.Price, b.Bid)
		}
	}
	// Expected cost per impression never exceeds the value of the next
	// rank: the GSP property.
	for k := 0; k+1 < len(wins); k++ {
		if c := wins[k].Price * bids[wins[k].Index].Factor; c > bids[wins[k+1].Index].Value+1e-12 {
			t.Errorf("slot %d costs %g per impression, above the next value %g", k, c, bids[wins[k+1].Index].Value)
		}
	}
}

func TestAuctionReserve(t *testing.T) {
	bids := []Bid{bidOf(CPC, 1, 0.02, 0), bidOf(CPC, 1, 0.004, 0), bidOf(CPM, 3, 0, 0)}
	// Reserve 0.005 per impression (CPM 5): the second (0.004) and the CPM
	// bid at 3 (0.003) do not enter; the lone winner pays the reserve:
	// 0.005/0.02 = 0.25 per click.
	wins := Auction(bids, 2, 0.005, nil, nil)
	if len(wins) != 1 || wins[0].Index != 0 || !near(wins[0].Price, 0.25) {
		t.Errorf("wins %+v, want bid 0 alone at 0.25", wins)
	}
	// A next bid above the reserve sets the price instead.
	bids[1] = bidOf(CPC, 1, 0.01, 0)
	wins = Auction(bids, 1, 0.005, nil, nil)
	if len(wins) != 1 || !near(wins[0].Price, 0.5) {
		t.Errorf("wins %+v, want 0.5 per click", wins)
	}
	// Nobody reaches a high reserve.
	if wins := Auction(bids, 2, 0.5, nil, nil); len(wins) != 0 {
		t.Errorf("wins %+v above a reserve nobody reaches", wins)
	}
	// The last slot pays the first loser's value.
	bids = []Bid{bidOf(CPM, 10, 0, 0), bidOf(CPM, 8, 0, 0), bidOf(CPM, 6, 0, 0)}
	wins = Auction(bids, 2, 0.001, nil, nil)
	if len(wins) != 2 || !near(wins[0].Price, 8) || !near(wins[1].Price, 6) {
		t.Errorf("wins %+v, want prices 8 and 6 per thousand", wins)
	}
	// A single bidder in a CPM auction pays the reserve CPM.
	wins = Auction(bids[:1], 1, 0.004, nil, nil)
	if !near(wins[0].Price, 4) {
		t.Errorf("lone CPM winner pays %g, want the reserve 4", wins[0].Price)
	}
}

func TestAuctionOrderingManyBidders(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bids := make([]Bid, 100)
	for i := range bids {
		bids[i] = bidOf([]BidType{CPC, CPM, CPA}[i%3], 0.5+r.Float64()*20, 0.001+r.Float64()*0.05, r.Float64()*0.2)
		bids[i].Tie = r.Float64()
	}
	wins := Auction(bids, 10, 0.001, nil, nil)
	if len(wins) != 10 {
		t.Fatalf("%d winners", len(wins))
	}
	won := map[int]bool{}
	for k, w := range wins {
		won[w.Index] = true
		if k > 0 && bids[w.Index].Value > bids[wins[k-1].Index].Value {
			t.Errorf("slot %d has a higher value than slot %d", k, k-1)
		}
		if w.Price*bids[w.Index].Factor < 0.001-1e-12 {
			t.Errorf("slot %d costs less than the reserve", k)
		}
	}
	for i, b := range bids {
		if !won[i] && b.Value > bids[wins[9].Index].Value {
			t.Errorf("bid %d (value %g) lost to a lower value", i, b.Value)
		}
	}
}

func TestRandomAllocation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bids := []Bid{bidOf(CPM, 10, 0, 0), bidOf(CPM, 8, 0, 0), bidOf(CPM, 2, 0, 0)}
	firsts := map[int]int{}
	for range 3000 {
		wins := RandomAllocation(r, bids, 1, 0.003, nil, nil)
		if len(wins) != 1 || wins[0].Index == 2 {
			t.Fatalf("wins %+v: the bid under the reserve won", wins)
		}
		if wins[0].Price > bids[wins[0].Index].Bid {
			t.Fatalf("price %g above the bid", wins[0].Price)
		}
		firsts[wins[0].Index]++
	}
	if firsts[0] < 1300 || firsts[1] < 1300 {
		t.Errorf("random allocation is not even: %v", firsts)
	}
	// The slots cost what they cost in the auction: the first the second
	// value (8 per thousand), the second the reserve (3), whoever gets them.
	for range 100 {
		for k, w := range RandomAllocation(r, bids, 2, 0.003, nil, nil) {
			if want := []float64{8, 3}[k]; !near(w.Price, want) {
				t.Fatalf("slot %d (bid %d) pays %g, want %g", k, w.Index, w.Price, want)
			}
		}
	}
	// A winner that cannot afford its slot pays its bid.
	bids = []Bid{bidOf(CPM, 10, 0, 0), bidOf(CPM, 8, 0, 0), bidOf(CPM, 7, 0, 0)}
	for range 100 {
		w := RandomAllocation(r, bids, 1, 0.003, nil, nil)[0]
		if want := min(8, bids[w.Index].Bid); !near(w.Price, want) {
			t.Fatalf("bid %d pays %g for the first slot, want %g", w.Index, w.Price, want)
		}
	}
}
