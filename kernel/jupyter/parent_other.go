//go:build unix && !linux

package jupyter

// dieWithParent has no equivalent here: watchParent's polling notices the parent's death.
func dieWithParent() {}
