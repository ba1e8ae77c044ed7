package store

// MaxSampleBytes is the retrain sample's bound, for TestRetrainSample.
const MaxSampleBytes = maxSampleBytes
