/* What /proc tells about another process (the server under load) and the
 * whole machine, so a benchmark can report CPU and memory it did not use. */
#ifndef RC_PROCSTAT_H
#define RC_PROCSTAT_H

#include <sys/types.h>

struct procstat_sample {
	double cpu_s;    /* user + system CPU time consumed so far */
	long rss_kb;     /* resident set size now */
	long hwm_kb;     /* peak resident set size */
	long threads;
};

/* Reads /proc/PID/stat and /proc/PID/status. RC_ERR_NOTFOUND when the process is gone. */
int procstat_process(pid_t pid, struct procstat_sample *out);
/* CPU time consumed so far by pid and its children alive now (e.g. a
 * PostgreSQL postmaster and its backends). */
int procstat_family_cpu(pid_t pid, double *cpu_s);
/* Machine-wide CPU time since boot, in seconds summed over all CPUs: *busy
 * (everything but idle and iowait) and *total. */
int procstat_machine(double *busy, double *total);

#endif
