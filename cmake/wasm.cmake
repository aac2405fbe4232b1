# cmake/wasm.cmake - the standalone WebAssembly module, included from CMakeLists.txt under
# if(EMSCRIPTEN):
#   emcmake cmake -S . -B build-wasm -DDC_WASM_SIMD=ON && cmake --build build-wasm
# gives build-wasm/distribution_coder.wasm: no Emscripten JS glue, one import
# (env.emscripten_notify_memory_growth) and exactly the exports of cmake/wasm-exports.txt
# plus `memory` and `_initialize`. scripts/build-wasm.mjs checks that and copies it to dist/.

option(DC_WASM_SIMD "Build the wasm module with wasm SIMD (-msimd128)" ON)

find_program(DC_WASM_OPT wasm-opt REQUIRED)
find_program(DC_WASM_METADCE wasm-metadce REQUIRED)

set(DC_WASM_EXPORTS_FILE ${PROJECT_SOURCE_DIR}/cmake/wasm-exports.txt)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${DC_WASM_EXPORTS_FILE})

# Reachability graph for wasm-metadce: the reviewed exports, memory and _initialize are the
# roots; every other export the toolchain adds (stackSave, __errno_location, the table...)
# is removed.
file(STRINGS ${DC_WASM_EXPORTS_FILE} dc_wasm_export_lines)
set(dc_graph_roots "\"e_memory\", \"e_initialize\"")
set(dc_graph_nodes "  {\"name\": \"e_memory\", \"export\": \"memory\"},\n  {\"name\": \"e_initialize\", \"export\": \"_initialize\"},\n")
foreach(line IN LISTS dc_wasm_export_lines)
  string(STRIP "${line}" line)
  if(line STREQUAL "")
    continue()
  endif()
  if(NOT line MATCHES "^_[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "cmake/wasm-exports.txt: bad line '${line}'")
  endif()
  string(SUBSTRING "${line}" 1 -1 name)
  string(APPEND dc_graph_roots ", \"e_${name}\"")
  string(APPEND dc_graph_nodes "  {\"name\": \"e_${name}\", \"export\": \"${name}\"},\n")
endforeach()
set(DC_WASM_GRAPH ${CMAKE_CURRENT_BINARY_DIR}/wasm-metadce-graph.json)
file(WRITE ${DC_WASM_GRAPH}
  "[\n  {\"name\": \"root\", \"root\": true, \"reaches\": [${dc_graph_roots}]},\n"
  "${dc_graph_nodes}"
  "  {\"name\": \"i_growth\", \"import\": [\"env\", \"emscripten_notify_memory_growth\"]}\n]\n")

set(DC_WASM_C_FLAGS ${DC_C_FLAGS} -O3)
set(DC_WASM_FEATURES --enable-sign-ext --enable-mutable-globals)
if(DC_WASM_SIMD)
  list(APPEND DC_WASM_C_FLAGS -msimd128)
  list(APPEND DC_WASM_FEATURES --enable-simd)
endif()

add_executable(distribution_coder_wasm ${DC_SOURCES} ${DC_WASM_SOURCES})
set_target_properties(distribution_coder_wasm PROPERTIES OUTPUT_NAME distribution_coder_linked
                      SUFFIX .wasm)
target_include_directories(distribution_coder_wasm PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${PROJECT_SOURCE_DIR}/src)
set_target_properties(distribution_coder_wasm PROPERTIES C_VISIBILITY_PRESET hidden)
target_compile_options(distribution_coder_wasm PRIVATE ${DC_WASM_C_FLAGS})
target_link_options(distribution_coder_wasm PRIVATE
  -O3 --no-entry -sSTANDALONE_WASM -sALLOW_MEMORY_GROWTH -sFILESYSTEM=0
  -sTOTAL_STACK=65536 -sINITIAL_MEMORY=262144
  "-sEXPORTED_FUNCTIONS=@${DC_WASM_EXPORTS_FILE}")
set_property(TARGET distribution_coder_wasm APPEND PROPERTY LINK_DEPENDS ${DC_WASM_EXPORTS_FILE})

set(DC_WASM_OUT ${CMAKE_CURRENT_BINARY_DIR}/distribution_coder.wasm)
add_custom_command(
  OUTPUT ${DC_WASM_OUT}
  COMMAND ${DC_WASM_METADCE} $<TARGET_FILE:distribution_coder_wasm> --graph-file ${DC_WASM_GRAPH}
          ${DC_WASM_FEATURES} -o ${DC_WASM_OUT}.dce --quiet
  COMMAND ${DC_WASM_OPT} -O3 ${DC_WASM_FEATURES} ${DC_WASM_OUT}.dce -o ${DC_WASM_OUT}
  COMMAND ${CMAKE_COMMAND} -E remove ${DC_WASM_OUT}.dce
  DEPENDS distribution_coder_wasm ${DC_WASM_GRAPH}
  COMMENT "wasm-metadce + wasm-opt -O3 -> distribution_coder.wasm"
  VERBATIM)
add_custom_target(distribution_coder_wasm_opt ALL DEPENDS ${DC_WASM_OUT})
