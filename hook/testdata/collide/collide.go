// Package collide gives the injected hook a test package full of names it
// might have used itself.
package collide

// Run is a name the hook must not collide with.
func Run() int { return 0 }
