/* Whether the terminal is one curses can drive. Apart from ui.c because
 * <term.h> defines capability macros (bell, lines, columns...) that clash
 * with ordinary names. */
#include "config.h"

#include <ncurses.h>
#include <term.h>
#include <unistd.h>

#include "ui_term.h"

int ui_term_usable(void)
{
	int err = 0;

	/* setupterm, unlike a failing newterm, reports without leaking. */
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK)
		return 0;
	del_curterm(cur_term);
	return 1;
}
