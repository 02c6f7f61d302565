/* mpi_generate.h: `ardiff generate` over MPI ranks (docs/mpi.md).
 *
 * Under an MPI launcher (mpirun, srun) with N > 1 processes, the inputs are split among the
 * ranks: rank 0 reads the input, opens the output (outfile.h: a temporary file renamed when
 * every line is in) and deals the inputs in chunks of --chunk lines (a multiple of --batch) to
 * whichever rank asks next; each rank (rank 0 too, on a thread of its own) generates its chunks
 * on its local devices and sends the output lines back; rank 0 writes them in input order. A
 * chunk's inputs keep their global indices, and chunks start at multiples of --batch, so every
 * batch holds the inputs it holds in one process: the output is byte for byte the one-process
 * output. Devices: --device or ARDIFF_DEVICE as given to each rank; otherwise the default pool
 * (the model's [generate] device, else every GPU, else device 0) shared out by local rank.
 *
 * A rank that fails (no device, a bad model file on its machine, out of memory) sends its
 * reason to rank 0, which prints "ardiff generate: rank R on HOST failed: ...", removes the
 * temporary output and aborts the job (exit 1); a rank that dies is reported by the launcher,
 * which ends the job (rank 0's signal handler removes the temporary output). Either way the
 * user's existing output file is untouched.
 *
 * A build without MPI (ARDIFF_MPI=OFF, or no MPI found) refuses to run as one of several
 * processes of an MPI launch, saying so, and otherwise behaves as before.
 */
#ifndef ARDIFF_HOST_MPI_GENERATE_H
#define ARDIFF_HOST_MPI_GENERATE_H

#include "gen.h"

/* 1 when this process was started by an MPI launcher (Open MPI, MPICH/Hydra, Slurm's PMI or
 * PMIx variables) and ARDIFF_MPI is not "0". */
int mpi_generate_launched(void);

/* The whole `ardiff generate` command as one rank of the job. Returns the exit status. */
int mpi_generate(const gen_opts *o);

#endif
