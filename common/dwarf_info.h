/* dwarf_info.h - placeholder: being written. */
#ifndef GSC_DWARF_INFO_H
#define GSC_DWARF_INFO_H
#endif
