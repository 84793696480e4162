module leakgate.test/demo

go 1.21

require leakgate.dev/leakgatehook v0.0.0

replace leakgate.dev/leakgatehook => ../../hook
