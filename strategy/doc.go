// Package strategy owns campaign planning and the next best action: it
// learns how much a treatment (a coupon, a message) changes each customer's
// chance to buy from a past randomised test logged in the store, chooses
// whom to treat to earn the most incremental profit under a budget, and
// picks each customer's next action among configured ones under consent and
// a weekly message cap.
//
// The pieces:
//
//   - features.go: a user's features from their history before a moment
//     (pure).
//   - dataset.go: the training set of one experiment from events, following
//     the exposure convention (an event with context.experiment; variants
//     "holdout" and "control" are untreated) (pure).
//   - model.go: a two-model (T-learner) uplift model with logistic base
//     learners from package uplift, its out-of-fold Qini, and bootstrap refits
//     for intervals (pure).
//   - planner.go: the budgeted choice and its expected results (pure).
//   - service.go, nextaction.go: reading the store, caching models per
//     experiment, plans for saved segments and next actions for users.
//
// It imports store, profile, audience and uplift, and never api or config.
package strategy
