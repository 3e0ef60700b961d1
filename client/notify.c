#include "config.h"

#include "notify.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errors.h"

int notify_run(const char *cmd, const char *from)
{
	pid_t pid = fork();

	if (pid < 0)
		return RC_ERR_IO;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		setenv("RC_FROM", from, 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return RC_OK;
}

void notify_reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}
