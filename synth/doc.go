// Package synth owns shopmind's synthetic shop: a seeded generator of a
// bilingual (Chinese and English) catalogue, its users and four weeks or so
// of their behaviour, together with the hidden truth that produced them.
//
// Generate builds a Shop from a Config. The same Config gives the same Shop,
// byte for byte once encoded as JSON; nothing depends on the clock, the map
// iteration order or a global random source. The package does no I/O:
// callers write the shop wherever they want, and tests, the demo command
// and simulations (recommenders, ads, uplift) all start from it.
//
// Everything the package writes is invented: category and product words
// come from the word lists in this package, brand names are random
// combinations of syllables, and users have no names, e-mail addresses or
// phone numbers. What it generates may be shipped with the repository.
//
// The behaviour model, in short (truth.go has the details): each user has a
// taste over leaf categories, a budget level, a price sensitivity and an
// activity rate; each item has a quality and a power-law popularity.
// Sessions arrive by an inhomogeneous Poisson process with an evening peak
// in the shop's time zone (Asia/Shanghai, UTC+8) and busier weekends. A
// session picks categories by taste and items by popularity, and walks the
// funnel search → click → view → add_to_cart → purchase, with favourites,
// removals, abandoned carts that may be bought later, and ratings and
// reviews some days after a purchase. Every generated entity passes the
// validation of package shop.
//
// AddCampaign (opt-in) writes a past randomised e-mail coupon test into a
// generated shop, with each user's true uplift in Truth.Campaign, for the
// uplift models and the campaign planner to learn from and be checked
// against. It draws from its own random stream: shops without it are
// unchanged.
//
// Identifiers are stable for a Config: items syn-item-N, users syn-user-N,
// brands syn-brand-N, sessions syn-sess-N, orders syn-order-N, and events
// syn-N numbered in time order. Item attributes carry category_id and
// brand_id, which are the same whatever the language of the listing.
package synth
