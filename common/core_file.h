/* core_file.h - placeholder: being written. */
#ifndef GSC_CORE_FILE_H
#define GSC_CORE_FILE_H
#endif
