// The image has no heap. newlib's vsnprintf, which the library's log output
// uses, links malloc() for growing an asprintf string, a case snprintf never
// reaches. This _sbrk makes any malloc() fail. Without it the image would
// link libnosys's _sbrk, which needs a heap after .bss.
#include <cerrno>
#include <cstddef>

extern "C" void* _sbrk(ptrdiff_t increment) {
    (void)increment;
    errno = ENOMEM;
    return reinterpret_cast<void*>(-1);
}
