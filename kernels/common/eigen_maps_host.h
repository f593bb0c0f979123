// Row-major Eigen views over the CPU implementations' scratch and tensor rows (host .cpp files only).
#pragma once
#include <Eigen/Dense>

namespace lasuite::host {

template <class T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using MatMap = Eigen::Map<RowMat<T>>;
template <class T>
using ConstMatMap = Eigen::Map<const RowMat<T>>;
template <class T>
using VecMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;

}  // namespace lasuite::host
