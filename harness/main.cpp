#include <iostream>

#include "harness/cli.h"

int main(int argc, char** argv) { return lasuite::run_cli(argc, argv, std::cout, std::cerr); }
