// Package fairness owns exposure and parity measures and the re-rankers that
// cap over-exposure: catalogue coverage, the Gini coefficient of item
// exposure, long-tail and per-brand shares of recommendations; ad delivery
// rate and price by user group with the largest parity difference; a batch
// re-ranker that caps any item's or brand's share of exposure over many
// users' lists, and an online one that keeps decayed running exposure counts
// and demotes over-exposed items on the serving path. Everything here is pure
// (no I/O) and works on slices and maps; it must not import store or api.
package fairness
