/*
 * banned.h — functions that are too easy to misuse with untrusted input.
 *
 * Included last by every translation unit of the gate; using one of these
 * names is a compile error that points at the safer replacement in util.h.
 */
#ifndef LG_BANNED_H
#define LG_BANNED_H

#define LG_BANNED(func) sorry_##func##_is_banned_use_lg_buf_or_snprintf

#undef strcpy
#define strcpy(x, y) LG_BANNED(strcpy)
#undef strcat
#define strcat(x, y) LG_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) LG_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) LG_BANNED(strncat)
#undef sprintf
#define sprintf(...) LG_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) LG_BANNED(vsprintf)
#undef gets
#define gets(x) LG_BANNED(gets)

#endif
