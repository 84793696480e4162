module leakgate.bench/bigdump

go 1.21
