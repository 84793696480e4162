package collide_test

// Package-level names like the hook's imports and helpers: the injected
// file must compile next to them.

var (
	json, pprof, filepath, strconv, bytes, io = 1, 2, 3, 4, 5, 6
	errors                                    = []string{"not the hook's"}
	buf                                       []byte
)

type snapshot struct{}
type state struct{}
type field struct{}
type manifest struct{}

const protocol = 2

func run() int           { return 0 }
func settle() bool       { return true }
func dump() []byte       { return nil }
func Run() int           { return 1 }
func Main()              {}
func errorf(string) bool { return false }
