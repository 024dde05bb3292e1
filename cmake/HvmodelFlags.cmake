# Warning, sanitizer and coverage flags shared by every target of the project.
add_library(hvmodel_flags INTERFACE)
target_compile_options(hvmodel_flags INTERFACE
  -Wall -Wextra -Wshadow -Wformat=2 -Wundef -Wno-unused-parameter
  $<$<COMPILE_LANGUAGE:C>:-Wstrict-prototypes -Wmissing-prototypes>)
if(HVMODEL_WERROR)
  target_compile_options(hvmodel_flags INTERFACE -Werror)
endif()
if(HVMODEL_SANITIZE)
  target_compile_options(hvmodel_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(hvmodel_flags INTERFACE -fsanitize=address,undefined)
endif()
if(HVMODEL_TSAN)
  target_compile_options(hvmodel_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(hvmodel_flags INTERFACE -fsanitize=thread)
endif()
if(HVMODEL_COVERAGE)
  target_compile_options(hvmodel_flags INTERFACE --coverage -O0)
  target_link_options(hvmodel_flags INTERFACE --coverage)
endif()
