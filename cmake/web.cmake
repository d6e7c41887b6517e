# `web`: the browser side of `torchlab export --format web`. Debian's emscripten compiles the libtorch-free C++ (the
# kernels layer, the tic-tac-toe rules, the CartPole physics) and web/torchlab_web.cpp into one JavaScript file with
# the wasm inlined; the exporter puts it, web/app.js and the model into web/page.html. Not part of `all`: only
# `make web` (and `make test`) need emscripten.
find_program(TORCHLAB_EMXX NAMES em++)
if(NOT TORCHLAB_EMXX)
  add_custom_target(web COMMAND ${CMAKE_COMMAND} -E echo "make web needs emscripten: apt-get install emscripten"
    COMMAND ${CMAKE_COMMAND} -E false)
  return()
endif()
file(GLOB web_kernels CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/torchlab/kernels/*.cpp)
set(web_sources ${PROJECT_SOURCE_DIR}/web/torchlab_web.cpp ${PROJECT_SOURCE_DIR}/src/torchlab/rl/tictactoe.cpp
  ${PROJECT_SOURCE_DIR}/src/torchlab/rl/cartpole.cpp ${PROJECT_SOURCE_DIR}/src/torchlab/rl/environment.cpp ${web_kernels})
set(web_dir ${CMAKE_BINARY_DIR}/web)
# Debian's emscripten runs its JS tools with node and finds their packages in /usr/share/nodejs; a node from
# elsewhere (nodesource) does not look there by itself.
add_custom_command(OUTPUT ${web_dir}/torchlab_wasm.js
  COMMAND ${CMAKE_COMMAND} -E make_directory ${web_dir}
  COMMAND ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs ${TORCHLAB_EMXX} -std=c++17 -O3 -msimd128 -DNDEBUG
    -I${PROJECT_SOURCE_DIR}/src ${web_sources} -o ${web_dir}/torchlab_wasm.js
    -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createTorchlabWasm -sENVIRONMENT=web -sWASM_BIGINT=1
    -sALLOW_MEMORY_GROWTH=1 -sEXPORTED_FUNCTIONS=_malloc,_free -sEXPORTED_RUNTIME_METHODS=HEAP32,HEAPF32
  DEPENDS ${web_sources}
  COMMENT "Building the WebAssembly kernels (emscripten)"
  VERBATIM)
add_custom_command(OUTPUT ${web_dir}/page.html ${web_dir}/app.js
  COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/web/page.html ${PROJECT_SOURCE_DIR}/web/app.js ${web_dir}/
  DEPENDS ${PROJECT_SOURCE_DIR}/web/page.html ${PROJECT_SOURCE_DIR}/web/app.js)
add_custom_target(web DEPENDS ${web_dir}/torchlab_wasm.js ${web_dir}/page.html ${web_dir}/app.js)
install(FILES ${web_dir}/torchlab_wasm.js ${web_dir}/page.html ${web_dir}/app.js DESTINATION share/torchlab/web OPTIONAL)
