// Package shop owns shopmind's data model: catalogue items, users with consent,
// and behaviour events with their types and per-type weights, together with the
// rules that decide whether one of them is acceptable.
//
// It is pure: no I/O, no logging, no imports from other shopmind packages.
// Every other package (store, ingest, importers, models, the API) speaks in
// these types.
package shop
