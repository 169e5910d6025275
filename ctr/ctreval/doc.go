// Package ctreval owns the CTR evaluation: the datasets (MovieLens 100K,
// the iPinYou sample, Hillstrom's e-mail visits and a synthetic generator
// with a known click function), their splits, running the ctr.Model
// implementations on them, and the text, JSON and HTML reports.
//
// # Protocol
//
// A dataset is split into a training part and a test part: a random 80/20
// split with a fixed seed, an 80/20 split by time (the latest fifth is the
// test), or the split the dataset comes with. A validation part, 10% of the
// training part (random rows; the latest ones for the time split), is carved
// from the training part and never from the test part. Each model is fitted
// on the rest of the training part, with the validation part for early
// stopping, and scores the test part once. The report gives AUC, log loss
// and expected calibration error (10 equal-width bins) of the raw
// predictions, and of the predictions after Platt scaling and after
// isotonic regression fitted on the model's validation predictions; the
// AUC of Platt scaling equals the raw one (it is monotonic), isotonic
// regression may merge scores into ties and move it slightly.
//
// The synthetic dataset knows the true click probability of every row: its
// test metrics are reported as the oracle, the best any model can do in
// expectation.
//
// # Tuning
//
// Searches and Tune search the hyper-parameters of lr, fm and deepfm by
// coordinate descent over a grid, each candidate fitted on the training
// part and scored on the validation part only; tuned.go holds the
// configurations chosen per dataset, with the validation numbers that
// chose them (TestTune reruns a search on demand).
//
// Everything here is deterministic for a seed. The package does I/O only in
// the loaders and the report writers; the models stay pure.
package ctreval
