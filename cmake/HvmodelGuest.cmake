# Guest programs are written in assembly and assembled at build time with the
# cross binutils; each becomes a flat binary and a C array the tests link.
find_program(HVMODEL_A64_AS NAMES aarch64-linux-gnu-as)
find_program(HVMODEL_A64_LD NAMES aarch64-linux-gnu-ld)
find_program(HVMODEL_A64_OBJCOPY NAMES aarch64-linux-gnu-objcopy)
find_program(HVMODEL_A64_NM NAMES aarch64-linux-gnu-nm)
if(NOT HVMODEL_A64_AS OR NOT HVMODEL_A64_LD OR NOT HVMODEL_A64_OBJCOPY OR NOT HVMODEL_A64_NM)
  message(FATAL_ERROR "aarch64 cross binutils not found: run scripts/setup.sh "
                      "(package binutils-aarch64-linux-gnu)")
endif()

# hvmodel_a64_guest(<name> <source.S> [LOAD <address>])
# Produces ${CMAKE_BINARY_DIR}/guest/<name>.bin, a static library
# guest_<name> exporting `const unsigned char guest_<name>[]` and
# `const unsigned int guest_<name>_len`, and guest/guest_<name>_syms.h defining
# GUEST_<NAME>_<LABEL> for every global label (its guest address).
function(hvmodel_a64_guest name src)
  cmake_parse_arguments(G "" "LOAD" "" ${ARGN})
  if(NOT G_LOAD)
    set(G_LOAD 0x10000)
  endif()
  set(out ${CMAKE_BINARY_DIR}/guest)
  set(obj ${out}/${name}.o)
  set(elf ${out}/${name}.elf)
  set(bin ${out}/${name}.bin)
  set(csrc ${out}/${name}.c)
  set(syms ${out}/guest_${name}_syms.h)
  set(nmout ${out}/${name}.nm)
  add_custom_command(
    OUTPUT ${bin} ${csrc} ${syms}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND ${HVMODEL_A64_AS} -march=armv8-a -I ${CMAKE_SOURCE_DIR}/tests/guest/arm64
            -o ${obj} ${src}
    COMMAND ${HVMODEL_A64_LD} -nostdlib -N --no-warn-rwx-segments -Ttext=${G_LOAD} -e _start -o ${elf} ${obj}
    COMMAND ${HVMODEL_A64_OBJCOPY} -O binary ${elf} ${bin}
    COMMAND ${CMAKE_COMMAND} -DIN=${bin} -DOUT=${csrc} -DNAME=guest_${name}
            -P ${CMAKE_SOURCE_DIR}/cmake/bin2c.cmake
    COMMAND ${HVMODEL_A64_NM} -g ${elf} > ${nmout}
    COMMAND ${CMAKE_COMMAND} -DIN=${nmout} -DOUT=${syms} -DNAME=${name}
            -P ${CMAKE_SOURCE_DIR}/cmake/nm2h.cmake
    DEPENDS ${src} ${CMAKE_SOURCE_DIR}/cmake/bin2c.cmake ${CMAKE_SOURCE_DIR}/cmake/nm2h.cmake
            ${CMAKE_SOURCE_DIR}/tests/guest/arm64/guest.inc
    COMMENT "Assembling guest ${name}"
    VERBATIM)
  add_library(guest_${name} STATIC ${csrc})
  target_include_directories(guest_${name} INTERFACE ${out})
endfunction()

# x86 guests are assembled with the host's GNU as (--64; .code16, .code32 and
# .code64 all work) into flat binaries, without a link step: a guest refers
# to its own labels as differences (label - start + load address).
find_program(HVMODEL_HOST_AS as REQUIRED)
find_program(HVMODEL_HOST_OBJCOPY objcopy REQUIRED)

# hvmodel_x86_guest(<name> <source.S>)
# Produces ${CMAKE_CURRENT_BINARY_DIR}/x86_<name>.h defining
# `const unsigned char x86_<name>[]` and `const unsigned int x86_<name>_len`
# (include it in one source file), and the target x86_guest_<name>.
function(hvmodel_x86_guest name src)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/x86_${name}.o)
  set(bin ${CMAKE_CURRENT_BINARY_DIR}/x86_${name}.bin)
  set(hdr ${CMAKE_CURRENT_BINARY_DIR}/x86_${name}.h)
  add_custom_command(OUTPUT ${hdr}
    COMMAND ${HVMODEL_HOST_AS} --64 -o ${obj} ${src}
    COMMAND ${HVMODEL_HOST_OBJCOPY} -O binary ${obj} ${bin}
    COMMAND ${CMAKE_COMMAND} -DIN=${bin} -DOUT=${hdr} -DNAME=x86_${name}
            -P ${CMAKE_SOURCE_DIR}/cmake/bin2c.cmake
    DEPENDS ${src} ${CMAKE_SOURCE_DIR}/cmake/bin2c.cmake
    COMMENT "Assembling x86 guest ${name}"
    VERBATIM)
  add_custom_target(x86_guest_${name} DEPENDS ${hdr})
endfunction()
