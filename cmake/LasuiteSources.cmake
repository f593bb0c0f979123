# Adds a folder's sources to lasuite_objs by naming convention, so each kernel family or baseline
# folder can grow without touching a shared list:
#   *_cpu.cpp, *_host.cpp     always built (host code, no CUDA headers)
#   *.cu, *_cuda.cpp          built only with CUDA (kernels, their launchers, CUDA runtime host code)
function(lasuite_add_folder_sources dir)
  file(GLOB host_sources CONFIGURE_DEPENDS "${dir}/*_cpu.cpp" "${dir}/*_host.cpp")
  target_sources(lasuite_objs PRIVATE ${host_sources})
  if(LASUITE_HAVE_CUDA)
    file(GLOB cuda_sources CONFIGURE_DEPENDS "${dir}/*.cu" "${dir}/*_cuda.cpp")
    target_sources(lasuite_objs PRIVATE ${cuda_sources})
  endif()
endfunction()
