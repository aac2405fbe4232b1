# check_exports.cmake - the dynamic symbols a shared library defines are exactly the functions
# the public header marks DC_API. Run by ctest (test_exports):
#   cmake -DNM=nm -DLIB=libdistribution_coder_shared.so -DHEADER=include/distribution_coder.h
#         -P test/check_exports.cmake
file(STRINGS ${HEADER} api_lines REGEX "^DC_API ")
set(api)
foreach(line IN LISTS api_lines)
  if(NOT line MATCHES "[ *](dc_[a-z0-9_]+)\\(")
    message(FATAL_ERROR "cannot read the function name in: ${line}")
  endif()
  list(APPEND api ${CMAKE_MATCH_1})
endforeach()
list(SORT api)

execute_process(COMMAND ${NM} -D --defined-only ${LIB} OUTPUT_VARIABLE nm_out
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed (${rc})")
endif()
string(REPLACE "\n" ";" nm_lines "${nm_out}")
set(exported)
foreach(line IN LISTS nm_lines)
  # "<address> <type> <name>"; _init/_fini are the ELF toolchain's, not ours
  if(line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ ]+)$")
    set(name ${CMAKE_MATCH_1})
    if(NOT name MATCHES "^_(init|fini)$")
      list(APPEND exported ${name})
    endif()
  endif()
endforeach()
list(SORT exported)

if(NOT api STREQUAL exported)
  set(extra ${exported})
  list(REMOVE_ITEM extra ${api})
  set(missing ${api})
  list(REMOVE_ITEM missing ${exported})
  message(FATAL_ERROR "exports differ from the DC_API list\n  exported but not API: ${extra}\n"
                      "  API but not exported: ${missing}")
endif()
list(LENGTH api n)
message(STATUS "exports: exactly the ${n} API functions")
