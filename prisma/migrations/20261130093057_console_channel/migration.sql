-- AlterEnum
ALTER TYPE "Channel" ADD VALUE 'CONSOLE';
