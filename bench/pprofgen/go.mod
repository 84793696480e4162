module leakgate.bench/pprofgen

go 1.26
