//go:build unix && !linux

package session

// fionread is the ioctl that counts the bytes waiting in a pipe: FIONREAD, _IOR('f', 127, int), which
// golang.org/x/sys/unix does not define outside Linux; darwin, the BSDs, Solaris and AIX share its value.
const fionread = 0x4004667f
