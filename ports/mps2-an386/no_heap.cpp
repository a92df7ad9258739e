// The image has no heap. newlib's vsnprintf, which the library's log output
// uses, links malloc() for a case that snprintf never reaches (growing a
// string of asprintf); this _sbrk makes any malloc() fail instead of linking
// libnosys's _sbrk, which needs a heap after .bss.
#include <cerrno>
#include <cstddef>

extern "C" void* _sbrk(ptrdiff_t increment) {
    (void)increment;
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
}
