// The float64 matrix types of the reference: one (batch, head) slice at a time, row-major like the
// suite's [batch, heads, seqlen, dim] tensors, so a head's slice maps onto a matrix without a copy.
#pragma once
#include <Eigen/Dense>

namespace lasuite::reference {

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;
// Accepts a Mat or an Eigen::Map of contiguous row-major doubles without copying.
using MatRef = Eigen::Ref<const Mat>;

}  // namespace lasuite::reference
