/* disasm.h - placeholder: being written. */
#ifndef GSC_DISASM_H
#define GSC_DISASM_H
#endif
