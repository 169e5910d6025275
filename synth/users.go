package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/shopmind/shopmind/shop"
)

// userProfile is what sessions need about a user beyond UserTruth.
type userProfile struct {
	tasteCum []float64 // cumulative Taste, for drawing categories
	maxTaste float64
	lang     int   // langZH or langEN
	channel  uint8 // preferred channel, index into channels
}

var (
	ageBands   = []string{"18-24", "25-34", "35-44", "45-54", "55+"}
	ageWeights = []float64{0.22, 0.35, 0.23, 0.12, 0.08}
	genders    = []string{"female", "male", "unknown"}
	genderW    = []float64{0.55, 0.40, 0.05}
	cityTiers  = []string{"tier1", "new_tier1", "tier2", "tier3", "tier4"}
	cityW      = []float64{0.16, 0.20, 0.22, 0.22, 0.20}
	cityBudget = []float64{1.35, 1.2, 1.05, 0.9, 0.75}
	memberTier = []string{"none", "silver", "gold", "platinum"}
	channelW   = []float64{0.50, 0.33, 0.17} // app, mini_program, web
)

// makeUsers draws every user's attributes, consent and latent state.
func (g *gen) makeUsers() {
	n := g.cfg.Users
	g.users = make([]shop.User, n)
	g.userT = make([]UserTruth, n)
	g.prof = make([]userProfile, n)
	for u := range n {
		g.makeUser(u, g.rand(streamUsers, u))
	}
}

func (g *gen) makeUser(u int, r *rand.Rand) {
	id := "syn-user-" + strconv.Itoa(u+1)
	age := pick(r, ageWeights)
	gender := pick(r, genderW)
	city := pick(r, cityW)

	locale := g.cfg.Language
	if locale == LanguageMixed {
		locale = LanguageZH
		if chance(r, 0.5) {
			locale = LanguageEN
		}
	}

	taste := g.drawTaste(r, age, gender)

	budget := logNormal(r, cityBudget[city], 0.45)
	if age == 0 {
		budget *= 0.8
	}
	sens := clamp(logNormal(r, 1.6, 0.45), 0.3, 6)
	if city >= 3 {
		sens *= 1.2
	}
	activity := clamp(logNormal(r, 0.09, 1.2), 0.002, 8)

	// Signup: most users joined before the window, some during it.
	window := g.end.Sub(g.start)
	var signup time.Time
	if chance(r, 0.15) {
		signup = g.start.Add(time.Duration(r.Float64() * float64(window)))
	} else {
		days := math.Min(-math.Log(1-r.Float64())*400, 6*365)
		signup = g.start.Add(-time.Duration(days * 24 * float64(time.Hour)))
	}
	signup = signup.Truncate(time.Second)

	// Churn: a fifth of users stop coming at some point in the window.
	var churn time.Time
	if chance(r, 0.2) {
		from := signup
		if from.Before(g.start) {
			from = g.start
		}
		churn = from.Add(time.Duration(r.Float64() * float64(g.end.Sub(from)))).Truncate(time.Second)
	}

	// Membership follows activity and spending power, with noise.
	score := math.Log(activity/0.09) + 0.8*math.Log(budget) + 0.7*r.NormFloat64()
	member := 0
	switch {
	case score > 2.2:
		member = 3
	case score > 1.2:
		member = 2
	case score > 0.2:
		member = 1
	}

	g.users[u] = shop.User{
		ID: id,
		Attributes: map[string]any{
			"age_band":    ageBands[age],
			"gender":      genders[gender],
			"city_tier":   cityTiers[city],
			"membership":  memberTier[member],
			"locale":      locale,
			"signup_date": signup.In(Zone).Format(time.DateOnly),
		},
		Consent: drawConsent(r),
	}
	g.userT[u] = UserTruth{
		ID:               id,
		Taste:            taste,
		BudgetLevel:      round3(budget),
		PriceSensitivity: round3(sens),
		ActivityRate:     round6(activity),
		Locale:           locale,
		SignupAt:         signup,
		ChurnAt:          churn,
	}
	p := &g.prof[u]
	p.tasteCum = make([]float64, len(taste))
	total := 0.0
	for i, w := range taste {
		total += w
		p.tasteCum[i] = total
		p.maxTaste = math.Max(p.maxTaste, w)
	}
	if locale == LanguageEN {
		p.lang = langEN
	}
	p.channel = uint8(pick(r, channelW))
}

// drawTaste draws a preference over leaves concentrated on one to three
// favourites. Favourites are drawn from the leaves' weights adjusted for
// gender and age (so attributes carry a little signal); a second favourite
// is often in the same department as the first. The rest of the mass is
// spread thinly by a sparse Dirichlet.
func (g *gen) drawTaste(r *rand.Rand, age, gender int) []float64 {
	nl := len(g.leaves)
	prior := make([]float64, nl)
	for i, l := range g.leaves {
		w := l.weight
		switch gender {
		case 0:
			w *= or1(l.female)
		case 1:
			w *= or1(l.male)
		}
		switch {
		case age == 0:
			w *= or1(l.young)
		case age <= 2:
			w *= or1(l.family)
		default:
			w *= or1(l.mature)
		}
		prior[i] = w
	}
	k := 1 + pick(r, []float64{0.35, 0.40, 0.25})
	favs := make([]int, 0, k)
	w := make([]float64, nl)
	for len(favs) < k {
		sameTop := len(favs) > 0 && chance(r, 0.5)
		total := 0.0
		for i, l := range g.leaves {
			w[i] = prior[i]
			if containsInt(favs, i) || (sameTop && l.top != g.leaves[favs[0]].top) {
				w[i] = 0
			}
			total += w[i]
		}
		if total == 0 {
			continue // the department is used up; draw again
		}
		favs = append(favs, pick(r, w))
	}
	taste := make([]float64, nl)
	background := 0.12 + 0.16*r.Float64()
	bg := make([]float64, nl)
	sum := 0.0
	for i := range bg {
		bg[i] = gamma(r, 0.3) * prior[i]
		sum += bg[i]
	}
	for i := range taste {
		if sum > 0 {
			taste[i] = background * bg[i] / sum
		}
	}
	fw := make([]float64, k)
	fsum := 0.0
	for i := range fw {
		fw[i] = gamma(r, 2)
		fsum += fw[i]
	}
	for i, f := range favs {
		taste[f] += (1 - background) * fw[i] / fsum
	}
	total := 0.0
	for i := range taste {
		taste[i] = round6(taste[i])
		total += taste[i]
	}
	// Rounding leaves the sum a hair off one; the first favourite absorbs it.
	taste[favs[0]] = round6(taste[favs[0]] + 1 - total)
	return taste
}

// drawConsent draws consent with plausible rates: most users allow
// personalisation and analytics, fewer ads, fewer still marketing
// messages; LLM processing was asked of only some.
func drawConsent(r *rand.Rand) map[shop.Purpose]bool {
	c := map[shop.Purpose]bool{}
	perso := chance(r, 0.9)
	c[shop.Personalization] = perso
	c[shop.Analytics] = chance(r, 0.85)
	adsP := 0.65
	if !perso {
		adsP = 0.2
	}
	c[shop.Ads] = chance(r, adsP)
	c[shop.MarketingMessages] = chance(r, 0.35)
	if chance(r, 0.7) {
		c[shop.LLMProcessing] = chance(r, 0.5)
	}
	return c
}

func or1(x float64) float64 {
	if x == 0 {
		return 1
	}
	return x
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }
