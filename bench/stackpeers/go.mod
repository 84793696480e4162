module leakgate.bench/stackpeers

go 1.21

require (
	github.com/DataDog/gostackparse v0.7.0
	github.com/maruel/panicparse/v2 v2.5.0
)
