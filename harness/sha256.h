// SHA-256 (FIPS 180-4) of a byte string or a file: the content hash recorded for each plugin.
#pragma once
#include <string>

namespace lasuite {

std::string sha256_hex(const std::string& bytes);
// Throws std::runtime_error when the file cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace lasuite
