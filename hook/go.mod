module leakgate.dev/leakgatehook

go 1.21
