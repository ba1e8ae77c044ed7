// Package simulate is CI Radar's simulated GitHub Actions world. From a seed and a small
// config it grows organisations, repositories, workflows and runner pools, plays them
// forward as a discrete-event simulation, and emits what GitHub would: signed
// workflow_job and workflow_run deliveries, with optional duplicates, reordering and drops.
// The same world backs a fake REST API (package fakegithub) and is summarised as ground
// truth, so tests and benchmarks can hold the store against exact answers.
//
// Determinism: everything the world does comes from one random stream seeded by the seed,
// consumed by a single-threaded event loop in time order; noise has its own stream, so
// switching noise on or off never changes the world.
package simulate
