# cmake/wasm.cmake - the standalone WebAssembly module, included from CMakeLists.txt under
# if(EMSCRIPTEN):
#   emcmake cmake -S . -B build-wasm -DDC_WASM_SIMD=ON && cmake --build build-wasm
# gives build-wasm/distribution_coder.wasm: no Emscripten JS glue, one import
# (env.emscripten_notify_memory_growth) and exactly the exports of cmake/wasm-exports.txt
# plus `memory` and `_initialize`. scripts/build-wasm.mjs checks that and copies it to dist/.
# dc_add_wasm_module() is the one link pipeline: the module here and the bench module
# (bench/CMakeLists.txt) both go through it.

option(DC_WASM_SIMD "Build the wasm module with wasm SIMD (-msimd128)" ON)

find_program(DC_WASM_OPT wasm-opt REQUIRED)
find_program(DC_WASM_METADCE wasm-metadce REQUIRED)

set(DC_WASM_EXPORTS_FILE ${PROJECT_SOURCE_DIR}/cmake/wasm-exports.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${DC_WASM_EXPORTS_FILE})

set(DC_WASM_C_FLAGS ${DC_C_FLAGS} -O3)
set(DC_WASM_FEATURES --enable-sign-ext --enable-mutable-globals)
if(DC_WASM_SIMD)
  list(APPEND DC_WASM_C_FLAGS -msimd128)
  list(APPEND DC_WASM_FEATURES --enable-simd)
endif()

# dc_add_wasm_module(NAME <name> [SOURCES <extra .c>...] [EXPORTS <extra export>...] [ALL])
# links the library's sources (DC_SOURCES, DC_WASM_SOURCES) and SOURCES into
# ${CMAKE_CURRENT_BINARY_DIR}/<name>.wasm, exporting cmake/wasm-exports.txt plus EXPORTS
# (names without the underscore); wasm-metadce then removes every other export the toolchain
# adds (stackSave, __errno_location, the table...) and wasm-opt -O3 optimises. The target
# <name>_wasm_opt builds it (by default when ALL is given); <name>_wasm links it.
function(dc_add_wasm_module)
  cmake_parse_arguments(W "ALL" "NAME" "SOURCES;EXPORTS" ${ARGN})
  file(STRINGS ${DC_WASM_EXPORTS_FILE} lines)
  foreach(name IN LISTS W_EXPORTS)
    list(APPEND lines "_${name}")
  endforeach()
  # The export list for emcc and the reachability graph for wasm-metadce: the exports,
  # memory and _initialize are the roots.
  set(exports_text "")
  set(roots "\"e_memory\", \"e_initialize\"")
  set(nodes "  {\"name\": \"e_memory\", \"export\": \"memory\"},\n  {\"name\": \"e_initialize\", \"export\": \"_initialize\"},\n")
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(line STREQUAL "")
      continue()
    endif()
    if(NOT line MATCHES "^_[A-Za-z_][A-Za-z0-9_]*$")
      message(FATAL_ERROR "wasm export list: bad line '${line}'")
    endif()
    string(SUBSTRING "${line}" 1 -1 name)
    string(APPEND exports_text "${line}\n")
    string(APPEND roots ", \"e_${name}\"")
    string(APPEND nodes "  {\"name\": \"e_${name}\", \"export\": \"${name}\"},\n")
  endforeach()
  set(exports ${CMAKE_CURRENT_BINARY_DIR}/${W_NAME}-exports.txt)
  set(graph ${CMAKE_CURRENT_BINARY_DIR}/${W_NAME}-metadce-graph.json)
  file(WRITE ${exports} "${exports_text}")
  file(WRITE ${graph}
    "[\n  {\"name\": \"root\", \"root\": true, \"reaches\": [${roots}]},\n"
    "${nodes}"
    "  {\"name\": \"i_growth\", \"import\": [\"env\", \"emscripten_notify_memory_growth\"]}\n]\n")

  set(sources ${DC_SOURCES} ${DC_WASM_SOURCES})
  list(TRANSFORM sources PREPEND ${PROJECT_SOURCE_DIR}/)
  add_executable(${W_NAME}_wasm ${sources} ${W_SOURCES})
  set_target_properties(${W_NAME}_wasm PROPERTIES OUTPUT_NAME ${W_NAME}_linked SUFFIX .wasm
                        C_VISIBILITY_PRESET hidden)
  target_include_directories(${W_NAME}_wasm PRIVATE ${PROJECT_SOURCE_DIR}/include
                             ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${W_NAME}_wasm PRIVATE ${DC_WASM_C_FLAGS})
  target_link_options(${W_NAME}_wasm PRIVATE
    -O3 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sFILESYSTEM=0
    -sTOTAL_STACK=65536 -sINITIAL_MEMORY=262144 "-sEXPORTED_FUNCTIONS=@${exports}")
  set_property(TARGET ${W_NAME}_wasm APPEND PROPERTY LINK_DEPENDS ${exports})

  set(out ${CMAKE_CURRENT_BINARY_DIR}/${W_NAME}.wasm)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${DC_WASM_METADCE} $<TARGET_FILE:${W_NAME}_wasm> --graph-file ${graph}
            ${DC_WASM_FEATURES} -o ${out}.dce --quiet
    COMMAND ${DC_WASM_OPT} -O3 ${DC_WASM_FEATURES} ${out}.dce -o ${out}
    COMMAND ${CMAKE_COMMAND} -E remove ${out}.dce
    DEPENDS ${W_NAME}_wasm ${graph}
    COMMENT "wasm-metadce + wasm-opt -O3 -> ${W_NAME}.wasm"
    VERBATIM)
  if(W_ALL)
    add_custom_target(${W_NAME}_wasm_opt ALL DEPENDS ${out})
  else()
    add_custom_target(${W_NAME}_wasm_opt DEPENDS ${out})
  endif()
endfunction()

dc_add_wasm_module(NAME distribution_coder ALL)
