#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "procstat.h"

/* Fields of /proc/PID/stat counted from the one after the command name
 * (field 3, the state, is index 0): utime is field 14, stime field 15. */
#define PROCSTAT_PPID_INDEX 1
#define PROCSTAT_UTIME_INDEX 11

static int procstat_read(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return RC_ERR_NOTFOUND;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n > 0 ? RC_OK : RC_ERR_FORMAT;
}

/* Reads /proc/PID/stat: the parent's pid and the CPU time used. */
static int procstat_stat(pid_t pid, pid_t *ppid, double *cpu_s)
{
	char path[64], buf[2048], *p, *end;
	unsigned long long utime, stime;
	int i, rc;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((rc = procstat_read(path, buf, sizeof(buf))) != RC_OK)
		return rc;
	/* The command name may hold spaces and parentheses: skip to its last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return RC_ERR_FORMAT;
	p++;
	for (i = 0; i <= PROCSTAT_UTIME_INDEX; i++) {
		p += strspn(p, " ");
		if (i == PROCSTAT_PPID_INDEX)
			*ppid = (pid_t)strtol(p, NULL, 10);
		if (i < PROCSTAT_UTIME_INDEX)
			p += strcspn(p, " ");
	}
	utime = strtoull(p, &end, 10);
	if (end == p)
		return RC_ERR_FORMAT;
	p = end;
	stime = strtoull(p, &end, 10);
	if (end == p)
		return RC_ERR_FORMAT;
	*cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	return RC_OK;
}

/* The number after "name:" in a /proc status text, or -1. */
static long procstat_field(const char *status, const char *name)
{
	size_t len = strlen(name);
	const char *p = status;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0 && p[len] == ':')
			return strtol(p + len + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

int procstat_process(pid_t pid, struct procstat_sample *out)
{
	char path[64], buf[8192];
	pid_t ppid;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = procstat_stat(pid, &ppid, &out->cpu_s)) != RC_OK)
		return rc;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((rc = procstat_read(path, buf, sizeof(buf))) != RC_OK)
		return rc;
	out->rss_kb = procstat_field(buf, "VmRSS");
	out->hwm_kb = procstat_field(buf, "VmHWM");
	out->threads = procstat_field(buf, "Threads");
	return RC_OK;
}

int procstat_family_cpu(pid_t pid, double *cpu_s)
{
	struct dirent *d;
	double cpu = 0;
	pid_t ppid = 0, child;
	DIR *dir;
	int rc;

	*cpu_s = 0;
	if ((rc = procstat_stat(pid, &ppid, cpu_s)) != RC_OK)
		return rc;
	dir = opendir("/proc");
	if (dir == NULL)
		return RC_ERR_IO;
	while ((d = readdir(dir)) != NULL) {
		child = (pid_t)strtol(d->d_name, NULL, 10);
		/* A process that exits meanwhile simply does not count. */
		if (child > 0 && procstat_stat(child, &ppid, &cpu) == RC_OK && ppid == pid)
			*cpu_s += cpu;
	}
	closedir(dir);
	return RC_OK;
}

int procstat_machine(double *busy, double *total)
{
	/* user nice system idle iowait irq softirq steal */
	unsigned long long v[8] = {0};
	char buf[512];
	double ticks = (double)sysconf(_SC_CLK_TCK);
	unsigned long long sum = 0;
	int i, rc;

	*busy = *total = 0;
	if ((rc = procstat_read("/proc/stat", buf, sizeof(buf))) != RC_OK)
		return rc;
	if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
	           &v[6], &v[7]) < 4)
		return RC_ERR_FORMAT;
	for (i = 0; i < 8; i++)
		sum += v[i];
	*total = (double)sum / ticks;
	*busy = (double)(sum - v[3] - v[4]) / ticks;
	return RC_OK;
}
