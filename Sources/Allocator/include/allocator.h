// The allocator's settings (allocator.c). Nothing to call: linking this target is what changes the allocator.
#ifndef CLEARTEXT_ALLOCATOR_H
#define CLEARTEXT_ALLOCATOR_H
extern const char *malloc_conf;
#endif
