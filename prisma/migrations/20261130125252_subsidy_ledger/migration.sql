-- CreateEnum
CREATE TYPE "EmployerType" AS ENUM ('COMMUNITY_FACTORY', 'POVERTY_WORKSHOP', 'EMPLOYMENT_BASE', 'EXPORT_FIRM', 'ENTERPRISE', 'COOPERATIVE', 'OTHER');

-- AlterTable
ALTER TABLE "EmploymentEvent" ADD COLUMN     "employerId" INTEGER;

-- AlterTable
ALTER TABLE "ServiceContact" ADD COLUMN     "agencyId" INTEGER,
ADD COLUMN     "employerId" INTEGER;

-- AlterTable
ALTER TABLE "Employer" ADD COLUMN     "type" "EmployerType";

-- CreateTable
CREATE TABLE "ServiceAgency" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "creditCode" TEXT,
    "regionId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ServiceAgency_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ServiceAgency_creditCode_key" ON "ServiceAgency"("creditCode");

-- CreateIndex
CREATE INDEX "ServiceAgency_regionId_idx" ON "ServiceAgency"("regionId");

-- CreateIndex
CREATE INDEX "EmploymentEvent_employerId_idx" ON "EmploymentEvent"("employerId");

-- CreateIndex
CREATE INDEX "ServiceContact_agencyId_idx" ON "ServiceContact"("agencyId");

-- AddForeignKey
ALTER TABLE "EmploymentEvent" ADD CONSTRAINT "EmploymentEvent_employerId_fkey" FOREIGN KEY ("employerId") REFERENCES "Employer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_agencyId_fkey" FOREIGN KEY ("agencyId") REFERENCES "ServiceAgency"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceContact" ADD CONSTRAINT "ServiceContact_employerId_fkey" FOREIGN KEY ("employerId") REFERENCES "Employer"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ServiceAgency" ADD CONSTRAINT "ServiceAgency_regionId_fkey" FOREIGN KEY ("regionId") REFERENCES "Region"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
