# cmake -DIN=file.nm -DOUT=file.h -DNAME=guest -P nm2h.cmake
# Turns `nm -g` output into #defines of each global label's address.
file(STRINGS ${IN} lines)
string(TOUPPER "${NAME}" up)
set(body "/* Generated from ${IN}; do not edit. */\n#pragma once\n")
foreach(line ${lines})
  if(line MATCHES "^([0-9a-fA-F]+) [A-Za-z] ([A-Za-z_][A-Za-z0-9_]*)$")
    string(TOUPPER "${CMAKE_MATCH_2}" sym)
    string(APPEND body "#define GUEST_${up}_${sym} 0x${CMAKE_MATCH_1}ull\n")
  endif()
endforeach()
file(WRITE ${OUT} "${body}")
