/* VMA flags (vm_area_struct.vm_flags): shared by generic mm code and the ports' PTE makers. */
#ifndef MICA_VM_FLAGS_H
#define MICA_VM_FLAGS_H

#define VM_READ 0x01UL
#define VM_WRITE 0x02UL
#define VM_EXEC 0x04UL
#define VM_SHARED 0x08UL
#define VM_ANON 0x10UL
#define VM_PROT_MASK (VM_READ | VM_WRITE | VM_EXEC) /* what vma_protect() changes */

#endif
