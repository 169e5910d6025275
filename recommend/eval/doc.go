// Package eval owns offline evaluation of the recommendation models on public
// datasets: reading a dataset through the importer into recommend.Data, the
// leave-one-out split of S3-Rec / SASRec, full-ranking metrics (HR@K and
// NDCG@K for K = 5, 10, 20, MRR, catalogue coverage and popularity bias), the
// hyper-parameter search on the validation item, the registry of algorithms
// it can evaluate, and the text, JSON and HTML reports.
//
// # Protocol
//
// Every user's events are in time order. The last one is the test item, the
// one before it the validation item, the rest is training; users with fewer
// than three events only train. Each model is fitted on the training items of
// all users. Validation scores use history = the training items; test scores
// use history = training items + the validation item. Every item of the
// catalogue is ranked (full ranking, no sampled negatives); the items of the
// history are excluded from the ranking, except the target itself should it
// be in the history. Ties are broken in favour of the lower item index, the
// order of recommend.TopN; the Amazon item ids are numbered 1..N and are
// indexed in that order, so ties fall to the lower id. With these rules
// PopRec reproduces our pure-Python check of the protocol to four decimals.
//
// Hyper-parameters are chosen on the validation item by Runner.Tune, a
// coordinate search over small per-parameter grids (Algorithms lists them),
// and the test item is scored once, with the chosen configuration. With
// Runner.Refit the chosen configuration is fitted again on training +
// validation items before the test (the PopRec of our Python check counts
// popularity that way); the default is the strict protocol above.
//
// The package does I/O only in Load and the report writers; the models it
// evaluates stay pure. Evaluation runs on Evaluator.Workers goroutines (2 by
// default) and gives the same numbers whatever their number: per-user
// results are stored by user and summed in user order. Training times are
// reported in wall-clock and CPU seconds, the latter being the fairer
// measure on a shared machine.
package eval
