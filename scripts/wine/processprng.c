// ProcessPrng for Wine 8, which lacks bcryptprimitives.dll: Go ≥ 1.24 programs on Windows load it at
// start-up for their random numbers. This stand-in fills the buffer from RtlGenRandom (advapi32's
// SystemFunction036). It exists only to run notmagic's Windows test binaries under Debian's wine64.
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
