#!/bin/sh
# This image has no /bin/sh: hookinit runs this file with its embedded shell, #! line or not.
if [ -e /bin/sh ]; then
	echo "hook 10-hello.sh: found a /bin/sh"
else
	echo "hook 10-hello.sh: no /bin/sh in this image, running anyway as $0"
fi
