// Package clv owns customer lifetime value: the buy-till-you-die purchase
// models BG/NBD (Fader, Hardie & Lee 2005) and Pareto/NBD (Schmittlein,
// Morrison & Colombo 1987), the Gamma-Gamma spend model (Fader & Hardie 2013),
// their maximum-likelihood fits, and the predictions built on them: expected
// purchases, P(alive), holdout diagnostics and discounted customer value.
//
// It also turns raw (customer, time, amount) transactions into the per-customer
// summaries the models need (Summarize), so a shop's own purchase events can
// be fitted the same way as the CDNOW benchmark.
//
// The package is pure: no I/O, no logging, no store. Reading dataset files
// lives in clv/cdnow and the HTML/SVG report writer in clv/report.
//
// Time is measured in weeks (days/7) throughout; a customer's first purchase is
// time 0 and is not counted as a repeat purchase.
package clv
